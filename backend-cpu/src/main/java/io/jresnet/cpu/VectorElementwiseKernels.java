package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Add, affine, the option-A shortcut and softmax on the Vector API. */
final class VectorElementwiseKernels {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;

    private VectorElementwiseKernels() {}

    static void add(float[] a, float[] b, float[] y, int from, int to, boolean relu) {
        int i = from;
        int bound = from + F.loopBound(to - from);
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i));
            if (relu) v = v.max(0f);
            v.intoArray(y, i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(F, a, i, m).add(FloatVector.fromArray(F, b, i, m));
            if (relu) v = v.max(0f);
            v.intoArray(y, i, m);
        }
    }

    /** Scale and shift are padded to whole blocks, so one vector load serves a block's pixels. */
    static void affine(AffinePlan p, float[] x, float[] y, int from, int to) {
        final int L = F.length();
        Blocked g = p.geometry();
        int spatial = g.spatial();
        for (int item = from; item < to; item++) {
            int cb = item % g.blocks(), base = item * g.blockStride();
            FloatVector scale = FloatVector.fromArray(F, p.scale(), cb * L);
            FloatVector shift = FloatVector.fromArray(F, p.shift(), cb * L);
            for (int i = 0; i < spatial; i++) {
                FloatVector v = FloatVector.fromArray(F, x, base + i * L).fma(scale, shift);
                if (p.relu()) v = v.max(0f);
                v.intoArray(y, base + i * L);
            }
        }
    }

    /**
     * Whole blocks are copied with a lane mask that zeroes the channels past the input's; zero
     * channels before the input's shift the blocks by {@code before / L} (a {@code before} that is no
     * multiple of the width goes lane by lane).
     */
    static void shortcutPad(PadPlan p, float[] x, float[] y, int from, int to) {
        final int L = F.length();
        if (p.before() % L != 0) {
            p.computeLaneByLane(L, x, y, from, to);
            return;
        }
        int shift = p.before() / L;
        Blocked in = p.in(), out = p.out();
        int stride = p.stride();
        FloatVector zero = FloatVector.zero(F);
        for (int item = from; item < to; item++) {
            int oy = item % out.h(), ob = (item / out.h()) % out.blocks(), n = item / out.h() / out.blocks();
            int cb = ob - shift; // the input block this output block comes from
            int yb = n * out.imageStride() + ob * out.blockStride() + oy * out.w() * L;
            if (cb < 0 || cb * L >= in.c()) {
                for (int ox = 0; ox < out.w(); ox++) zero.intoArray(y, yb + ox * L);
                continue;
            }
            int xb = n * in.imageStride() + cb * in.blockStride() + oy * stride * in.w() * L;
            if (cb * L + L <= in.c()) {
                // A block of real channels: plain copies (a masked load with an all-true mask is not
                // free: the mask is built and tested per call).
                for (int ox = 0; ox < out.w(); ox++) {
                    FloatVector.fromArray(F, x, xb + ox * stride * L).intoArray(y, yb + ox * L);
                }
                continue;
            }
            VectorMask<Float> real = F.indexInRange(cb * L, in.c());
            for (int ox = 0; ox < out.w(); ox++) {
                FloatVector.fromArray(F, x, xb + ox * stride * L, real).intoArray(y, yb + ox * L);
            }
        }
    }

    /** Row-wise, shifted by the row maximum so exp never overflows. */
    static void softmax(float[] x, float[] y, int k, int from, int to) {
        final int L = F.length();
        int bound = F.loopBound(k);
        float[] lanes = CpuSpecies.lanes();
        for (int row = from; row < to; row++) {
            int base = row * k;
            FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            int i = 0;
            for (; i < bound; i += L) mv = mv.max(FloatVector.fromArray(F, x, base + i));
            float max = mv.reduceLanes(VectorOperators.MAX);
            for (; i < k; i++) max = Math.max(max, x[base + i]);
            FloatVector sv = FloatVector.zero(F);
            for (i = 0; i < bound; i += L) {
                FloatVector e = FloatVector.fromArray(F, x, base + i).sub(max).lanewise(VectorOperators.EXP);
                e.intoArray(y, base + i);
                sv = sv.add(e);
            }
            sv.intoArray(lanes, 0);
            float sum = CpuSpecies.sumInLaneOrder(lanes);
            for (; i < k; i++) {
                float e = (float) Math.exp(x[base + i] - max);
                y[base + i] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (i = 0; i < bound; i += L) FloatVector.fromArray(F, y, base + i).mul(inv).intoArray(y, base + i);
            for (; i < k; i++) y[base + i] *= inv;
        }
    }
}
