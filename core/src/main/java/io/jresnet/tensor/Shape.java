package io.jresnet.tensor;

import io.jresnet.ShapeException;
import java.util.Arrays;

/**
 * An immutable list of dimensions. Four-dimensional shapes are read as NCHW (batch, channels,
 * height, width); two-dimensional ones as (batch, features).
 */
public final class Shape {
    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new ShapeException("dimension " + i + " of " + Arrays.toString(dims) + " is negative");
            }
            n = Math.multiplyExact(n, dims[i]);
        }
        this.dims = dims;
        this.size = n;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** NCHW shape. */
    public static Shape nchw(int n, int c, int h, int w) {
        return new Shape(new int[] {n, c, h, w});
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int i) {
        if (i < 0) i += dims.length;
        if (i < 0 || i >= dims.length) {
            throw new ShapeException("shape " + this + " has no dimension " + i);
        }
        return dims[i];
    }

    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements (product of the dimensions). */
    public long size() {
        return size;
    }

    /** Number of elements, checked to fit in a Java array. */
    public int intSize() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new ShapeException("shape " + this + " holds " + size + " elements, more than one float[] can");
        }
        return (int) size;
    }

    public int n() { return requireRank4().dims[0]; }
    public int c() { return requireRank4().dims[1]; }
    public int h() { return requireRank4().dims[2]; }
    public int w() { return requireRank4().dims[3]; }

    /** The same shape with dimension 0 (the batch) replaced. */
    public Shape withBatch(int batch) {
        int[] d = dims.clone();
        d[0] = batch;
        return new Shape(d);
    }

    private Shape requireRank4() {
        if (dims.length != 4) {
            throw new ShapeException("expected an NCHW shape (rank 4), found " + this);
        }
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
