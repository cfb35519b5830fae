package io.jresnet.tensor;

import io.jresnet.ShapeException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense float32 tensor in row-major order (NCHW for images). It is a view onto a {@code float[]}
 * starting at an offset: {@link #reshape} shares the storage, {@link #copy} does not.
 *
 * <p>Tensors are not thread-safe; share them read-only or copy them.
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

    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new float[shape.intSize()], 0);
    }

    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    /** Wraps (does not copy) {@code data}, which must hold exactly {@code shape.size()} floats. */
    public static Tensor wrap(float[] data, Shape shape) {
        if (data.length != shape.size()) {
            throw new ShapeException("array of " + data.length + " floats cannot be a tensor of shape " + shape
                    + " (" + shape.size() + " elements)");
        }
        return new Tensor(shape, data, 0);
    }

    public static Tensor wrap(float[] data, int... dims) {
        return wrap(data, Shape.of(dims));
    }

    /** Wraps a window of {@code data} starting at {@code offset}. */
    public static Tensor wrap(float[] data, int offset, Shape shape) {
        if (offset < 0 || offset + shape.size() > data.length) {
            throw new ShapeException("window [" + offset + ", " + (offset + shape.size()) + ") of a float["
                    + data.length + "] cannot be a tensor of shape " + shape);
        }
        return new Tensor(shape, data, offset);
    }

    /** A tensor filled with values drawn uniformly from [lo, hi) by a seeded generator. */
    public static Tensor uniform(Shape shape, float lo, float hi, long seed) {
        Tensor t = zeros(shape);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < t.data.length; i++) t.data[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return t;
    }

    /** A tensor filled with values drawn from N(0, std^2) by a seeded generator. */
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

    public Shape shape() {
        return shape;
    }

    public int rank() {
        return shape.rank();
    }

    public int size() {
        return (int) shape.size();
    }

    /** The backing array; elements live at [{@link #offset()}, offset + size). */
    public float[] array() {
        return data;
    }

    public int offset() {
        return offset;
    }

    /** A view with another shape of the same size, sharing storage. */
    public Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new ShapeException("cannot reshape " + shape + " (" + shape.size() + " elements) to " + newShape
                    + " (" + newShape.size() + " elements)");
        }
        return new Tensor(newShape, data, offset);
    }

    public Tensor reshape(int... dims) {
        return reshape(Shape.of(dims));
    }

    /** A view of items [from, to) along dimension 0 (for example a sub-batch), sharing storage. */
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

    public Tensor copy() {
        return wrap(toArray(), shape);
    }

    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + size());
    }

    public float get(int... index) {
        return data[offset + flatIndex(index)];
    }

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

    public Tensor fill(float value) {
        Arrays.fill(data, offset, offset + size(), value);
        return this;
    }

    public Tensor copyFrom(float[] src) {
        checkLength(src.length, "float[]");
        System.arraycopy(src, 0, data, offset, size());
        return this;
    }

    public Tensor copyFrom(Tensor src) {
        if (!src.shape.equals(shape)) {
            throw new ShapeException("cannot copy a tensor of shape " + src.shape + " into one of shape " + shape);
        }
        System.arraycopy(src.data, src.offset, data, offset, size());
        return this;
    }

    /** Copies {@code size()} floats from the buffer's position (which advances). */
    public Tensor copyFrom(FloatBuffer src) {
        checkAtLeast(src.remaining(), "FloatBuffer (remaining)");
        src.get(data, offset, size());
        return this;
    }

    /** Copies {@code size()} native-order floats from the start of the segment. */
    public Tensor copyFrom(MemorySegment src) {
        checkAtLeast(src.byteSize() / Float.BYTES, "MemorySegment");
        MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, 0, data, offset, size());
        return this;
    }

    public void copyTo(float[] dst) {
        checkLength(dst.length, "float[]");
        System.arraycopy(data, offset, dst, 0, size());
    }

    public void copyTo(FloatBuffer dst) {
        checkAtLeast(dst.remaining(), "FloatBuffer (remaining)");
        dst.put(data, offset, size());
    }

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

    /** Index of the first NaN or infinity, or -1 if every element is finite. */
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
