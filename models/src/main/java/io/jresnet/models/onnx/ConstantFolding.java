package io.jresnet.models.onnx;

import io.jresnet.UnsupportedLayerException;
import java.util.Arrays;

/**
 * Evaluates, at import time, the ops exporters leave around shapes and weights (Gather, Concat,
 * Slice, Transpose, Cast, elementwise arithmetic on constants). Results stay small: each is limited to
 * {@link Constant#MAX_ELEMENTS}. Errors are {@link UnsupportedLayerException}s whose message the caller
 * prefixes with the file and node.
 */
final class ConstantFolding {
    private ConstantFolding() {}

    enum Arithmetic { ADD, SUB, MUL, DIV }

    static long checkedCount(long[] dims) {
        long n = Constant.count(dims, Constant.MAX_ELEMENTS);
        if (n < 0) {
            throw new UnsupportedLayerException("constant of shape " + Arrays.toString(dims) + " is too large to fold");
        }
        return n;
    }

    static long[] strides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** Normalises an axis in [-rank, rank) to [0, rank). */
    static int axis(long axis, int rank, String what) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new UnsupportedLayerException(what + " " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    /** Numpy-style broadcasting of {@code a op b}. Integer division truncates, as ONNX Runtime does. */
    static Constant arithmetic(Arithmetic op, Constant a, Constant b) {
        int rank = Math.max(a.rank(), b.rank());
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = dim(a.dims(), i, rank);
            long db = dim(b.dims(), i, rank);
            if (da != db && da != 1 && db != 1) {
                throw new UnsupportedLayerException("cannot broadcast " + Arrays.toString(a.dims()) + " with "
                        + Arrays.toString(b.dims()));
            }
            out[i] = da == 1 ? db : da;
        }
        int n = (int) checkedCount(out);
        boolean floats = a.isFloat() || b.isFloat();
        float[] f = floats ? new float[n] : null;
        long[] v = floats ? null : new long[n];
        long[] os = strides(out);
        for (int i = 0; i < n; i++) {
            int ia = broadcastIndex(i, out, os, a.dims());
            int ib = broadcastIndex(i, out, os, b.dims());
            if (floats) {
                double x = a.number(ia);
                double y = b.number(ib);
                f[i] = (float) switch (op) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case DIV -> x / y;
                };
            } else {
                long x = a.ints()[ia];
                long y = b.ints()[ib];
                v[i] = switch (op) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case DIV -> {
                        if (y == 0) throw new UnsupportedLayerException("integer division by zero");
                        yield x / y;
                    }
                };
            }
        }
        return floats ? Constant.ofFloats(out, f) : Constant.ofInts(out, v);
    }

    private static long dim(long[] dims, int i, int rank) {
        int j = i - (rank - dims.length);
        return j < 0 ? 1 : dims[j];
    }

    private static int broadcastIndex(int flat, long[] out, long[] outStrides, long[] dims) {
        int offset = out.length - dims.length;
        long index = 0;
        long stride = 1;
        for (int d = dims.length - 1; d >= 0; d--) {
            long coord = (flat / outStrides[d + offset]) % out[d + offset];
            if (dims[d] != 1) index += coord * stride;
            stride *= dims[d];
        }
        return (int) index;
    }

    static Constant gather(Constant data, Constant indices, long axisAttr) {
        if (data.rank() == 0) throw new UnsupportedLayerException("Gather on a scalar");
        int axis = axis(axisAttr, data.rank(), "axis");
        long extent = data.dims()[axis];
        long[] idx = indices.integers();
        long[] out = new long[data.rank() - 1 + indices.rank()];
        int k = 0;
        for (int i = 0; i < axis; i++) out[k++] = data.dims()[i];
        for (long d : indices.dims()) out[k++] = d;
        for (int i = axis + 1; i < data.rank(); i++) out[k++] = data.dims()[i];
        int n = (int) checkedCount(out);
        long inner = 1;
        for (int i = axis + 1; i < data.rank(); i++) inner *= data.dims()[i];
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= data.dims()[i];
        int[] src = new int[n];
        int p = 0;
        for (long o = 0; o < outer; o++) {
            for (long g : idx) {
                long j = g < 0 ? g + extent : g;
                if (j < 0 || j >= extent) {
                    throw new UnsupportedLayerException("Gather index " + g + " is out of range for extent " + extent);
                }
                for (long in = 0; in < inner; in++) src[p++] = (int) ((o * extent + j) * inner + in);
            }
        }
        return pick(data, out, src);
    }

    /** A constant made of the elements of {@code data} at {@code src}, in order. */
    private static Constant pick(Constant data, long[] dims, int[] src) {
        if (data.isFloat()) {
            float[] f = new float[src.length];
            for (int i = 0; i < f.length; i++) f[i] = data.floats()[src[i]];
            return Constant.ofFloats(dims, f);
        }
        long[] v = new long[src.length];
        for (int i = 0; i < v.length; i++) v[i] = data.ints()[src[i]];
        return Constant.ofInts(dims, v);
    }

    static Constant concat(Constant[] parts, long axisAttr) {
        int rank = parts[0].rank();
        if (rank == 0) throw new UnsupportedLayerException("Concat of scalars");
        int axis = axis(axisAttr, rank, "axis");
        long[] out = parts[0].dims().clone();
        out[axis] = 0;
        boolean floats = false;
        for (Constant c : parts) {
            if (c.rank() != rank) throw new UnsupportedLayerException("Concat of ranks " + rank + " and " + c.rank());
            for (int i = 0; i < rank; i++) {
                if (i != axis && c.dims()[i] != out[i]) {
                    throw new UnsupportedLayerException("Concat of shapes " + Arrays.toString(parts[0].dims())
                            + " and " + Arrays.toString(c.dims()));
                }
            }
            out[axis] += c.dims()[axis];
            floats |= c.isFloat();
        }
        int n = (int) checkedCount(out);
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= out[i];
        float[] f = floats ? new float[n] : null;
        long[] v = floats ? null : new long[n];
        int p = 0;
        for (long o = 0; o < outer; o++) {
            for (Constant c : parts) {
                long block = c.size() / Math.max(1, outer);
                for (long j = 0; j < block; j++) {
                    int src = (int) (o * block + j);
                    if (floats) f[p++] = (float) c.number(src);
                    else v[p++] = c.ints()[src];
                }
            }
        }
        return floats ? Constant.ofFloats(out, f) : Constant.ofInts(out, v);
    }

    static Constant transpose(Constant c, long[] permAttr) {
        int rank = c.rank();
        long[] perm = permAttr;
        if (perm == null) { // default: reverse the dimensions
            perm = new long[rank];
            for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
        }
        if (perm.length != rank) throw new UnsupportedLayerException("perm of " + perm.length + " for rank " + rank);
        boolean[] seen = new boolean[rank];
        int[] axes = new int[rank];
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = axis(perm[i], rank, "perm value");
            if (seen[axes[i]]) throw new UnsupportedLayerException("perm " + Arrays.toString(perm) + " repeats " + axes[i]);
            seen[axes[i]] = true;
            out[i] = c.dims()[axes[i]];
        }
        long[] inStrides = strides(c.dims());
        long[] outStrides = strides(out);
        int[] src = new int[c.size()];
        for (int i = 0; i < src.length; i++) {
            long s = 0;
            for (int d = 0; d < rank; d++) s += ((i / outStrides[d]) % out[d]) * inStrides[axes[d]];
            src[i] = (int) s;
        }
        return pick(c, out, src);
    }

    /** Start, end (exclusive) and step of one sliced axis after ONNX's clamping rules; returns the count. */
    static long[] sliceRange(long start, long end, long step, long extent) {
        if (step == 0) throw new UnsupportedLayerException("Slice step 0");
        if (start < 0) start += extent;
        if (end < 0) end += extent;
        if (step > 0) {
            start = Math.clamp(start, 0, extent);
            end = Math.clamp(end, 0, extent);
        } else {
            start = Math.clamp(start, 0, extent - 1);
            end = Math.clamp(end, -1, extent - 1);
        }
        long count = step > 0 ? Math.max(0, (end - start + step - 1) / step) : Math.max(0, (start - end - step - 1) / -step);
        return new long[] {start, step, count};
    }

    /** Slice of a constant: {@code ranges[d] = {start, step, count}} per dimension. */
    static Constant slice(Constant c, long[][] ranges) {
        int rank = c.rank();
        long[] out = new long[rank];
        for (int d = 0; d < rank; d++) out[d] = ranges[d][2];
        int n = (int) checkedCount(out);
        long[] inStrides = strides(c.dims());
        long[] outStrides = strides(out);
        int[] src = new int[n];
        for (int i = 0; i < n; i++) {
            long s = 0;
            for (int d = 0; d < rank; d++) s += (ranges[d][0] + ((i / outStrides[d]) % out[d]) * ranges[d][1]) * inStrides[d];
            src[i] = (int) s;
        }
        return pick(c, out, src);
    }

    /** ONNX Cast between the float and integer families. */
    static Constant cast(Constant c, int to) {
        return switch (to) {
            case 1, 10, 11, 16 -> Constant.ofFloats(c.dims(), c.floatValues()); // FLOAT, FLOAT16, DOUBLE, BFLOAT16
            case 9 -> { // BOOL
                long[] v = new long[c.size()];
                for (int i = 0; i < v.length; i++) v[i] = c.number(i) != 0 ? 1 : 0;
                yield Constant.ofInts(c.dims(), v);
            }
            case 2, 3, 4, 5, 6, 7, 12, 13 -> Constant.ofInts(c.dims(), c.integers());
            default -> throw new UnsupportedLayerException("Cast to data_type " + to);
        };
    }

    /** ConstantOfShape: a tensor of the given shape filled with {@code value}'s one element (float 0 by default). */
    static Constant constantOfShape(Constant shape, Constant value) {
        long[] dims = shape.integers();
        for (long d : dims) {
            if (d < 0) throw new UnsupportedLayerException("ConstantOfShape of negative shape " + Arrays.toString(dims));
        }
        int n = (int) checkedCount(dims);
        if (value != null && value.size() != 1) {
            throw new UnsupportedLayerException("ConstantOfShape value has " + value.size() + " elements, not one");
        }
        if (value == null || value.isFloat()) {
            float[] f = new float[n];
            Arrays.fill(f, value == null ? 0f : value.floats()[0]);
            return Constant.ofFloats(dims, f);
        }
        long[] v = new long[n];
        Arrays.fill(v, value.ints()[0]);
        return Constant.ofInts(dims, v);
    }

    /** Range: start, start + delta, ... up to (not including) limit; count = max(ceil((limit - start) / delta), 0). */
    static Constant range(Constant start, Constant limit, Constant delta) {
        if (start.size() != 1 || limit.size() != 1 || delta.size() != 1) {
            throw new UnsupportedLayerException("Range takes scalars");
        }
        boolean floats = start.isFloat() || limit.isFloat() || delta.isFloat();
        double s = start.number(0), l = limit.number(0), d = delta.number(0);
        if (d == 0 || !Double.isFinite(s) || !Double.isFinite(l) || !Double.isFinite(d)) {
            throw new UnsupportedLayerException("Range(" + s + ", " + l + ", " + d + ")");
        }
        long count = checkedCount(new long[] {(long) Math.max(Math.ceil((l - s) / d), 0)});
        if (floats) {
            float[] f = new float[(int) count];
            for (int i = 0; i < f.length; i++) f[i] = (float) (s + i * d);
            return Constant.ofFloats(new long[] {count}, f);
        }
        long[] v = new long[(int) count];
        for (int i = 0; i < v.length; i++) v[i] = start.ints()[0] + i * delta.ints()[0];
        return Constant.ofInts(new long[] {count}, v);
    }
}
