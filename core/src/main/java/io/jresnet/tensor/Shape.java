package io.jresnet.tensor;

import io.jresnet.ShapeException;
import java.util.Arrays;

/**
 * An immutable list of dimensions, each a count of elements. Four-dimensional shapes are read as NCHW
 * (batch, channels, height, width); two-dimensional ones as (batch, features). Immutable, so safe to
 * share between threads.
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

    /**
     * {@return a shape of these dimensions} The array is copied.
     *
     * @param dims the dimensions, outermost first; none negative
     * @throws io.jresnet.ShapeException if a dimension is negative or the element count overflows a long
     */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /**
     * {@return the NCHW shape {@code [n, c, h, w]}}
     *
     * @param n batch: images
     * @param c channels
     * @param h height in pixels
     * @param w width in pixels
     */
    public static Shape nchw(int n, int c, int h, int w) {
        return new Shape(new int[] {n, c, h, w});
    }

    /** {@return the number of dimensions} */
    public int rank() {
        return dims.length;
    }

    /**
     * {@return dimension {@code i}}
     *
     * @param i the index, from 0; negative counts from the end ({@code -1} is the last)
     * @throws io.jresnet.ShapeException if there is no such dimension
     */
    public int dim(int i) {
        if (i < 0) i += dims.length;
        if (i < 0 || i >= dims.length) {
            throw new ShapeException("shape " + this + " has no dimension " + i);
        }
        return dims[i];
    }

    /** {@return a copy of the dimensions} */
    public int[] dims() {
        return dims.clone();
    }

    /** {@return the number of elements: the product of the dimensions} */
    public long size() {
        return size;
    }

    /**
     * {@return the number of elements, checked to fit in a Java array}
     *
     * @throws io.jresnet.ShapeException if one {@code float[]} cannot hold them
     */
    public int intSize() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new ShapeException("shape " + this + " holds " + size + " elements, more than one float[] can");
        }
        return (int) size;
    }

    /**
     * {@return the batch of an NCHW shape}
     *
     * @throws io.jresnet.ShapeException if the rank is not 4 (also for {@link #c}, {@link #h}, {@link #w})
     */
    public int n() { return requireRank4().dims[0]; }

    /** {@return the channels of an NCHW shape} */
    public int c() { return requireRank4().dims[1]; }

    /** {@return the height of an NCHW shape, in pixels} */
    public int h() { return requireRank4().dims[2]; }

    /** {@return the width of an NCHW shape, in pixels} */
    public int w() { return requireRank4().dims[3]; }

    /**
     * {@return the same shape with dimension 0 (the batch) replaced}
     *
     * @param batch the new first dimension
     */
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
