package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The narrow-group convolution of {@link GroupedConvPlan}: {@value #PIXELS} output pixels of one row
 * and one channel block at a time, their accumulators in registers. Per kernel tap the 8 input
 * vectors are loaded once (in place: no panel is packed) and, for each {@code j < g}, rearranged so
 * that lane {@code l} holds input lane {@code l - l % g + j}, then multiplied by the weight vector
 * {@code W[., j, tap]}: {@code g} rearrangements and {@code g} FMAs per input vector, all of them
 * useful. A depthwise layer ({@code g = 1}) needs no rearrangement. Taps whose input row is in the
 * padding are skipped; pixels whose input column is, read the zero block.
 */
final class VectorGroupedConvKernels {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;
    private static final int L = F.length();
    /** Output pixels per register tile: 8 accumulators, 8 inputs, a weight and a rearranged input. */
    private static final int PIXELS = GroupedConvPlan.TILE_PIXELS;
    /** {@code SHUFFLES[log2(g)][j]}: lane {@code l} takes lane {@code l - l % g + j}. */
    private static final VectorShuffle<Float>[][] SHUFFLES = shuffles();

    @SuppressWarnings({"unchecked", "rawtypes"}) // no generic array creation in Java
    private static VectorShuffle<Float>[][] shuffles() {
        VectorShuffle<Float>[][] all = new VectorShuffle[Integer.numberOfTrailingZeros(L) + 1][];
        for (int log = 0; (1 << log) <= L; log++) {
            int[][] sources = GroupedConvPlan.shuffleSources(1 << log, L);
            all[log] = new VectorShuffle[sources.length];
            for (int j = 0; j < sources.length; j++) all[log][j] = VectorShuffle.fromArray(F, sources[j], 0);
        }
        return all;
    }

    /**
     * Per-thread scratch, so a run allocates nothing once warm: the input offsets of a tile's pixels,
     * and the tile's accumulators on their way to the epilogue (no vector is passed to a helper, since
     * a helper C2 declined to inline would box it on every call).
     */
    private static final class Scratch {
        final int[] at = new int[PIXELS];
        final float[] tile = new float[PIXELS * L];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorGroupedConvKernels() {}

    static void conv(GroupedConvPlan p, float[] x, float[] y, float[] res, int zero, int from, int to) {
        Blocked in = p.in, out = p.out;
        int g = p.groupWidth, R = p.kernelH, S = p.kernelW, OW = out.w(), OH = out.h(), W = in.w();
        VectorShuffle<Float>[] shuffles = SHUFFLES[Integer.numberOfTrailingZeros(g)];
        Scratch scratch = SCRATCH.get();
        int[] at = scratch.at;
        float[] tile = scratch.tile;
        for (int item = from; item < to; item++) {
            int b = item % out.blocks(), rowBlock = item / out.blocks();
            for (int row = p.rowStart(rowBlock); row < p.rowStart(rowBlock + 1); row++) {
                int n = row / OH, oy = row - n * OH;
                int inPlane = n * in.imageStride() + b * in.blockStride();
                int outRow = n * out.imageStride() + b * out.blockStride() + oy * OW * L;
                for (int ox0 = 0; ox0 < OW; ox0 += PIXELS) {
                    FloatVector a0 = FloatVector.fromArray(F, p.bias, b * L);
                    FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                    for (int r = 0; r < R; r++) {
                        int iy = oy * p.strideH - p.padTop + r;
                        if (iy < 0 || iy >= in.h()) continue; // a row of padding adds nothing
                        int rowBase = inPlane + iy * W * L;
                        for (int s = 0; s < S; s++) {
                            for (int i = 0; i < PIXELS; i++) {
                                int ix = (ox0 + i) * p.strideW - p.padLeft + s;
                                at[i] = ox0 + i < OW && ix >= 0 && ix < W ? rowBase + ix * L : zero;
                            }
                            FloatVector x0 = FloatVector.fromArray(F, x, at[0]), x1 = FloatVector.fromArray(F, x, at[1]);
                            FloatVector x2 = FloatVector.fromArray(F, x, at[2]), x3 = FloatVector.fromArray(F, x, at[3]);
                            FloatVector x4 = FloatVector.fromArray(F, x, at[4]), x5 = FloatVector.fromArray(F, x, at[5]);
                            FloatVector x6 = FloatVector.fromArray(F, x, at[6]), x7 = FloatVector.fromArray(F, x, at[7]);
                            int wAt = ((b * R + r) * S + s) * g * L;
                            if (g == 1) {
                                FloatVector w = FloatVector.fromArray(F, p.weights, wAt);
                                a0 = x0.fma(w, a0);
                                a1 = x1.fma(w, a1);
                                a2 = x2.fma(w, a2);
                                a3 = x3.fma(w, a3);
                                a4 = x4.fma(w, a4);
                                a5 = x5.fma(w, a5);
                                a6 = x6.fma(w, a6);
                                a7 = x7.fma(w, a7);
                                continue;
                            }
                            for (int j = 0; j < g; j++) {
                                FloatVector w = FloatVector.fromArray(F, p.weights, wAt + j * L);
                                VectorShuffle<Float> lanes = shuffles[j];
                                a0 = x0.rearrange(lanes).fma(w, a0);
                                a1 = x1.rearrange(lanes).fma(w, a1);
                                a2 = x2.rearrange(lanes).fma(w, a2);
                                a3 = x3.rearrange(lanes).fma(w, a3);
                                a4 = x4.rearrange(lanes).fma(w, a4);
                                a5 = x5.rearrange(lanes).fma(w, a5);
                                a6 = x6.rearrange(lanes).fma(w, a6);
                                a7 = x7.rearrange(lanes).fma(w, a7);
                            }
                        }
                    }
                    int count = Math.min(PIXELS, OW - ox0), o = outRow + ox0 * L;
                    a0.intoArray(tile, 0);
                    a1.intoArray(tile, L);
                    a2.intoArray(tile, 2 * L);
                    a3.intoArray(tile, 3 * L);
                    a4.intoArray(tile, 4 * L);
                    a5.intoArray(tile, 5 * L);
                    a6.intoArray(tile, 6 * L);
                    a7.intoArray(tile, 7 * L);
                    // The epilogue: the residual, then ReLU, for the pixels inside the row.
                    for (int i = 0; i < count; i++) {
                        FloatVector v = FloatVector.fromArray(F, tile, i * L);
                        if (res != null) v = v.add(FloatVector.fromArray(F, res, o + i * L));
                        if (p.relu) v = v.max(0f);
                        v.intoArray(y, o + i * L);
                    }
                }
            }
        }
    }
}
