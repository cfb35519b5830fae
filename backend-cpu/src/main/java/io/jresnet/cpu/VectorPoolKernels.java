package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max pool and global average pool on the Vector API: in the blocked layout one vector holds one
 * pixel's channels of a block, so both pools are lane-parallel over channels with no shuffles.
 */
final class VectorPoolKernels {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;

    private VectorPoolKernels() {}

    /** Padded positions are skipped; {@code max} propagates NaN like the reference. */
    static void maxPool(PoolPlan p, float[] x, float[] y, int from, int to) {
        final int L = F.length();
        Blocked in = p.in(), out = p.out();
        int H = in.h(), W = in.w(), OW = out.w();
        for (int item = from; item < to; item++) {
            int oy = item % out.h(), plane = item / out.h();
            int xb = plane * in.blockStride(), yb = plane * out.blockStride() + oy * OW * L;
            int r0 = Math.max(0, p.padTop() - oy * p.strideH());
            int r1 = Math.min(p.kernelH(), H + p.padTop() - oy * p.strideH());
            for (int ox = 0; ox < OW; ox++) {
                int s0 = Math.max(0, p.padLeft() - ox * p.strideW());
                int s1 = Math.min(p.kernelW(), W + p.padLeft() - ox * p.strideW());
                FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
                for (int r = r0; r < r1; r++) {
                    int row = xb + ((oy * p.strideH() - p.padTop() + r) * W + ox * p.strideW() - p.padLeft()) * L;
                    for (int s = s0; s < s1; s++) m = m.max(FloatVector.fromArray(F, x, row + s * L));
                }
                m.intoArray(y, yb + ox * L);
            }
        }
    }

    /** Sums each block's pixels as one vector, then writes the block's real channels in plain order. */
    static void globalAvgPool(Blocked in, float[] x, float[] y, int from, int to) {
        final int L = F.length();
        int spatial = in.spatial();
        float inv = 1f / spatial;
        for (int item = from; item < to; item++) {
            int cb = item % in.blocks(), n = item / in.blocks();
            int xb = item * in.blockStride();
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            int i = 0;
            for (; i + 1 < spatial; i += 2) {
                s0 = s0.add(FloatVector.fromArray(F, x, xb + i * L));
                s1 = s1.add(FloatVector.fromArray(F, x, xb + i * L + L));
            }
            if (i < spatial) s0 = s0.add(FloatVector.fromArray(F, x, xb + i * L));
            FloatVector mean = s0.add(s1).mul(inv);
            int c0 = cb * L;
            VectorMask<Float> real = F.indexInRange(c0, in.c());
            mean.intoArray(y, n * in.c() + c0, real);
        }
    }
}
