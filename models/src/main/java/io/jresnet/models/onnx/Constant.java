package io.jresnet.models.onnx;

import io.jresnet.UnsupportedLayerException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.Arrays;

/**
 * A tensor whose value is known at import time: an initializer, a {@code Constant} node, or the
 * folded result of a shape computation. Floating-point data (FLOAT, DOUBLE, FLOAT16) is held as
 * {@code float[]}, integer data (INT64, INT32, BOOL, ...) as {@code long[]}; exactly one is non-null.
 */
record Constant(long[] dims, float[] floats, long[] ints) {
    /** The most elements a folded constant may have, so a hostile file cannot make folding allocate gigabytes. */
    static final long MAX_ELEMENTS = 1L << 28;

    static Constant ofFloats(long[] dims, float[] data) {
        return new Constant(dims, data, null);
    }

    static Constant ofInts(long[] dims, long[] data) {
        return new Constant(dims, null, data);
    }

    static Constant scalar(long value) {
        return ofInts(new long[0], new long[] {value});
    }

    static Constant vector(long... values) {
        return ofInts(new long[] {values.length}, values);
    }

    boolean isFloat() {
        return floats != null;
    }

    int rank() {
        return dims.length;
    }

    int size() {
        return isFloat() ? floats.length : ints.length;
    }

    /** Element {@code i} (row-major) as a double, whatever the storage. */
    double number(int i) {
        return isFloat() ? floats[i] : ints[i];
    }

    /** Element {@code i} as an integer; floats are truncated as ONNX Cast does. */
    long integer(int i) {
        return isFloat() ? (long) floats[i] : ints[i];
    }

    long[] integers() {
        long[] r = new long[size()];
        for (int i = 0; i < r.length; i++) r[i] = integer(i);
        return r;
    }

    float[] floatValues() {
        if (isFloat()) return floats;
        float[] r = new float[ints.length];
        for (int i = 0; i < r.length; i++) r[i] = ints[i];
        return r;
    }

    /** The data as a jresnet tensor (shared, not copied, for float constants). */
    Tensor toTensor(String what) {
        return Tensor.wrap(floatValues(), shapeOf(dims, what));
    }

    Constant reshape(long[] newDims) {
        return new Constant(newDims, floats, ints);
    }

    /** A {@link Shape} from ONNX dims, checked to be non-negative, to fit an int and to hold at most one array. */
    static Shape shapeOf(long[] dims, String what) {
        int[] d = new int[dims.length];
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw new UnsupportedLayerException(what + ": dimension " + i + " of " + Arrays.toString(dims)
                        + " is out of range");
            }
            d[i] = (int) dims[i];
            n = n * d[i];
            if (n > Integer.MAX_VALUE - 8) {
                throw new UnsupportedLayerException(what + ": shape " + Arrays.toString(dims) + " has more than "
                        + (Integer.MAX_VALUE - 8) + " elements");
            }
        }
        return Shape.of(d);
    }

    /** Element count of {@code dims}, or -1 when a dimension is negative or the count exceeds {@code limit}. */
    static long count(long[] dims, long limit) {
        long n = 1;
        for (long d : dims) {
            if (d < 0 || d > limit) return -1;
            n *= d; // both factors are at most limit <= 2^31 here, so this cannot overflow before the check
            if (n > limit) return -1;
        }
        return n;
    }

    @Override
    public String toString() {
        return (isFloat() ? "float" : "int") + Arrays.toString(dims);
    }
}
