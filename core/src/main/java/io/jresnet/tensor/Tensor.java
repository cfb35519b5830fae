package io.jresnet.tensor;

import io.jresnet.ShapeException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense float32 tensor in row-major order (NCHW for images). It is a view onto a {@code float[]}
 * starting at an offset: {@link #reshape} and {@link #slice} share the storage, {@link #copy} does
 * not. It holds no native memory and needs no closing.
 *
 * <p>Tensors are not thread-safe: share them read-only or copy them.
 */
public final class Tensor {
    private final Shape shape;
    private final float[] data;
    private final int offset;

    private Tensor(Shape shape, float[] data, int offset) {
        this.shape = shape;
        this.data = data;
        this.offset = offset;
    }

    /**
     * {@return a new tensor of zeros}
     *
     * @param shape its shape
     * @throws io.jresnet.ShapeException if one {@code float[]} cannot hold it
     */
    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new float[shape.intSize()], 0);
    }

    /**
     * {@return a new tensor of zeros}
     *
     * @param dims its dimensions
     */
    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    /**
     * {@return a tensor over {@code data}, which is not copied}
     *
     * @param data exactly {@code shape.size()} floats in row-major order
     * @param shape the shape
     * @throws io.jresnet.ShapeException if the lengths differ
     */
    public static Tensor wrap(float[] data, Shape shape) {
        if (data.length != shape.size()) {
            throw new ShapeException("array of " + data.length + " floats cannot be a tensor of shape " + shape
                    + " (" + shape.size() + " elements)");
        }
        return new Tensor(shape, data, 0);
    }

    /**
     * {@return a tensor over {@code data}, which is not copied}
     *
     * @param data exactly as many floats as the dimensions' product, in row-major order
     * @param dims the dimensions
     */
    public static Tensor wrap(float[] data, int... dims) {
        return wrap(data, Shape.of(dims));
    }

    /**
     * {@return a tensor over a window of {@code data}, which is not copied}
     *
     * @param data the array
     * @param offset index of the window's first element
     * @param shape the window's shape; it must fit in the array from {@code offset}
     * @throws io.jresnet.ShapeException if it does not fit
     */
    public static Tensor wrap(float[] data, int offset, Shape shape) {
        if (offset < 0 || offset + shape.size() > data.length) {
            throw new ShapeException("window [" + offset + ", " + (offset + shape.size()) + ") of a float["
                    + data.length + "] cannot be a tensor of shape " + shape);
        }
        return new Tensor(shape, data, offset);
    }

    /**
     * {@return a new tensor of values drawn uniformly from [lo, hi) by a seeded generator}
     *
     * @param shape its shape
     * @param lo the lower bound (inclusive)
     * @param hi the upper bound (exclusive)
     * @param seed the generator's seed: the same seed gives the same values
     */
    public static Tensor uniform(Shape shape, float lo, float hi, long seed) {
        Tensor t = zeros(shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < t.data.length; i++) t.data[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return t;
    }

    /**
     * {@return a new tensor of values drawn from N(0, std^2) by a seeded generator}
     *
     * @param shape its shape
     * @param std the standard deviation
     * @param seed the generator's seed: the same seed gives the same values
     */
    public static Tensor normal(Shape shape, float std, long seed) {
        Tensor t = zeros(shape);
        fillNormal(t.data, 0, t.data.length, std, new SplittableRandom(seed));
        return t;
    }

    static void fillNormal(float[] a, int from, int to, float std, SplittableRandom r) {
        for (int i = from; i < to; i += 2) {
            // Box-Muller: two independent N(0,1) samples from two uniforms.
            double u1 = 1.0 - r.nextDouble();
            double u2 = r.nextDouble();
            double rad = Math.sqrt(-2.0 * Math.log(u1));
            a[i] = (float) (std * rad * Math.cos(2 * Math.PI * u2));
            if (i + 1 < to) a[i + 1] = (float) (std * rad * Math.sin(2 * Math.PI * u2));
        }
    }

    /** {@return the shape} */
    public Shape shape() {
        return shape;
    }

    /** {@return the number of dimensions} */
    public int rank() {
        return shape.rank();
    }

    /** {@return the number of elements} */
    public int size() {
        return (int) shape.size();
    }

    /** {@return the backing array, not a copy: the elements live at [{@link #offset()}, offset + size)} */
    public float[] array() {
        return data;
    }

    /** {@return the index of the first element in {@link #array()}} */
    public int offset() {
        return offset;
    }

    /**
     * {@return a view with another shape of the same size, sharing the storage}
     *
     * @param newShape the shape
     * @throws io.jresnet.ShapeException if the sizes differ
     */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new ShapeException("cannot reshape " + shape + " (" + shape.size() + " elements) to " + newShape
                    + " (" + newShape.size() + " elements)");
        }
        return new Tensor(newShape, data, offset);
    }

    /**
     * {@return a view with other dimensions of the same size, sharing the storage}
     *
     * @param dims the dimensions
     */
    public Tensor reshape(int... dims) {
        return reshape(Shape.of(dims));
    }

    /**
     * {@return a view of items [from, to) along dimension 0 (a sub-batch, say), sharing the storage}
     *
     * @param from the first item
     * @param to one past the last item
     * @throws io.jresnet.ShapeException if the range is outside dimension 0
     */
    public Tensor slice(int from, int to) {
        int n = shape.dim(0);
        if (from < 0 || to > n || from > to) {
            throw new ShapeException("slice [" + from + ", " + to + ") is outside dimension 0 of " + shape);
        }
        int[] d = shape.dims();
        int item = n == 0 ? 0 : (int) (shape.size() / n);
        d[0] = to - from;
        return new Tensor(Shape.of(d), data, offset + from * item);
    }

    /** {@return a copy with storage of its own} */
    public Tensor copy() {
        return wrap(toArray(), shape);
    }

    /** {@return the elements in a new array, row-major} */
    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + size());
    }

    /**
     * {@return one element}
     *
     * @param index one index per dimension
     * @throws io.jresnet.ShapeException if the index is outside the shape
     */
    public float get(int... index) {
        return data[offset + flatIndex(index)];
    }

    /**
     * Sets one element.
     *
     * @param value the value
     * @param index one index per dimension
     * @throws io.jresnet.ShapeException if the index is outside the shape
     */
    public void set(float value, int... index) {
        data[offset + flatIndex(index)] = value;
    }

    private int flatIndex(int[] index) {
        if (index.length != shape.rank()) {
            throw new ShapeException("index of rank " + index.length + " into tensor of shape " + shape);
        }
        int flat = 0;
        for (int i = 0; i < index.length; i++) {
            int d = shape.dim(i);
            if (index[i] < 0 || index[i] >= d) {
                throw new ShapeException("index " + Arrays.toString(index) + " is outside shape " + shape);
            }
            flat = flat * d + index[i];
        }
        return flat;
    }

    /**
     * Sets every element.
     *
     * @param value the value
     * @return this tensor
     */
    public Tensor fill(float value) {
        Arrays.fill(data, offset, offset + size(), value);
        return this;
    }

    /**
     * Copies every element from an array.
     *
     * @param src exactly {@link #size()} floats, row-major
     * @return this tensor
     * @throws io.jresnet.ShapeException if the lengths differ
     */
    public Tensor copyFrom(float[] src) {
        checkLength(src.length, "float[]");
        System.arraycopy(src, 0, data, offset, size());
        return this;
    }

    /**
     * Copies every element from a tensor.
     *
     * @param src a tensor of the same shape
     * @return this tensor
     * @throws io.jresnet.ShapeException if the shapes differ
     */
    public Tensor copyFrom(Tensor src) {
        if (!src.shape.equals(shape)) {
            throw new ShapeException("cannot copy a tensor of shape " + src.shape + " into one of shape " + shape);
        }
        System.arraycopy(src.data, src.offset, data, offset, size());
        return this;
    }

    /**
     * Copies {@link #size()} floats from the buffer's position, which advances.
     *
     * @param src at least {@code size()} floats remaining
     * @return this tensor
     * @throws io.jresnet.ShapeException if fewer remain
     */
    public Tensor copyFrom(FloatBuffer src) {
        checkAtLeast(src.remaining(), "FloatBuffer (remaining)");
        src.get(data, offset, size());
        return this;
    }

    /**
     * Copies {@link #size()} native-order floats from the start of the segment.
     *
     * @param src at least {@code 4 * size()} bytes
     * @return this tensor
     * @throws io.jresnet.ShapeException if it is smaller
     */
    public Tensor copyFrom(MemorySegment src) {
        checkAtLeast(src.byteSize() / Float.BYTES, "MemorySegment");
        MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, 0, data, offset, size());
        return this;
    }

    /**
     * Copies every element into an array.
     *
     * @param dst exactly {@link #size()} floats
     * @throws io.jresnet.ShapeException if the lengths differ
     */
    public void copyTo(float[] dst) {
        checkLength(dst.length, "float[]");
        System.arraycopy(data, offset, dst, 0, size());
    }

    /**
     * Copies every element to the buffer's position, which advances.
     *
     * @param dst at least {@link #size()} floats remaining
     * @throws io.jresnet.ShapeException if fewer remain
     */
    public void copyTo(FloatBuffer dst) {
        checkAtLeast(dst.remaining(), "FloatBuffer (remaining)");
        dst.put(data, offset, size());
    }

    /**
     * Copies every element, in native byte order, to the start of the segment.
     *
     * @param dst at least {@code 4 * size()} bytes
     * @throws io.jresnet.ShapeException if it is smaller
     */
    public void copyTo(MemorySegment dst) {
        checkAtLeast(dst.byteSize() / Float.BYTES, "MemorySegment");
        MemorySegment.copy(data, offset, dst, ValueLayout.JAVA_FLOAT, 0, size());
    }

    private void checkLength(long length, String what) {
        if (length != size()) {
            throw new ShapeException(what + " of " + length + " floats does not match tensor of shape " + shape
                    + " (" + size() + " elements)");
        }
    }

    private void checkAtLeast(long length, String what) {
        if (length < size()) {
            throw new ShapeException(what + " holds " + length + " floats, tensor of shape " + shape + " needs "
                    + size());
        }
    }

    /** {@return the index of the first NaN or infinity, or -1 if every element is finite} */
    public int firstNonFinite() {
        for (int i = 0; i < size(); i++) {
            if (!Float.isFinite(data[offset + i])) return i;
        }
        return -1;
    }

    @Override
    public String toString() {
        int n = Math.min(size(), 6);
        StringBuilder sb = new StringBuilder("Tensor").append(shape).append(" [");
        for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : ", ").append(data[offset + i]);
        return sb.append(size() > n ? ", ...]" : "]").toString();
    }
}
