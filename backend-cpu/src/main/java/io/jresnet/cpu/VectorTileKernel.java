package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked micro-kernel shared by {@link VectorGemm} and the convolution: a tile of
 * {@link #ROWS} rows x {@link #COLS} columns ({@code 6 x 2} vectors = 12 accumulators, which with the
 * two B vectors and one broadcast fits the 16 registers of AVX2) accumulated over a depth that is
 * walked in segments of one vector width.
 *
 * <p>Math: {@code tile[i, j] = sum_d A[i, d] * B[d, j]}. B is a packed panel, {@code b[bOff + d *
 * COLS + j]}. A is a packed panel of segments: segment {@code g} holds, for each row {@code i}, one
 * vector's worth of depths at {@code a[aOff + (g * ROWS + i) * L]}. For the convolution a segment is one input channel block at one window
 * position, so packing is one vector copy per (pixel, segment). Per depth the kernel does 2 vector
 * loads of B, 6 scalar broadcasts and 12 FMAs.
 *
 * <p>Measured on AVX2 (Zen 3), one thread, panels in L1: this form runs at 85-90% of the FMA peak;
 * the same loop over a flat depth index runs at 43%, and reading A through six per-row offsets at
 * 65-70%. What matters is the inner loop over one segment with a constant trip count, which C2
 * unrolls completely with one range check per segment, and a single base for every A read.
 *
 * <p>The result goes to {@code tile} (row {@code i} at {@code i * COLS}), where the caller's
 * epilogue reads it while it is still in L1; that costs 24 L1 accesses per tile against
 * {@code 12 x depth} FMAs and keeps one kernel for every destination layout.
 */
final class VectorTileKernel {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;
    /** Floats per vector. */
    static final int L = F.length();
    static final int ROWS = 6;
    static final int COLS = 2 * L;

    private VectorTileKernel() {}

    /**
     * {@code tile = A * B} over {@code segments} segments of {@link #L} depths. Only whole segments:
     * a variant that also took partial ones (a second inner loop) ran at a third of the speed once
     * C2 had seen both loops taken.
     */
    static void multiply(float[] a, int aOff, int segments, float[] b, int bOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int g = 0; g < segments; g++) {
            int ai = aOff + g * ROWS * L, b0i = bOff + g * L * COLS;
            // Constant trip count: C2 unrolls the whole segment.
            for (int d = 0; d < L; d++) {
                int bi = b0i + d * COLS;
                FloatVector b0 = FloatVector.fromArray(F, b, bi);
                FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
                FloatVector v = FloatVector.broadcast(F, a[ai + d]);
                c00 = v.fma(b0, c00);
                c01 = v.fma(b1, c01);
                v = FloatVector.broadcast(F, a[ai + L + d]);
                c10 = v.fma(b0, c10);
                c11 = v.fma(b1, c11);
                v = FloatVector.broadcast(F, a[ai + 2 * L + d]);
                c20 = v.fma(b0, c20);
                c21 = v.fma(b1, c21);
                v = FloatVector.broadcast(F, a[ai + 3 * L + d]);
                c30 = v.fma(b0, c30);
                c31 = v.fma(b1, c31);
                v = FloatVector.broadcast(F, a[ai + 4 * L + d]);
                c40 = v.fma(b0, c40);
                c41 = v.fma(b1, c41);
                v = FloatVector.broadcast(F, a[ai + 5 * L + d]);
                c50 = v.fma(b0, c50);
                c51 = v.fma(b1, c51);
            }
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, COLS);
        c11.intoArray(tile, COLS + L);
        c20.intoArray(tile, 2 * COLS);
        c21.intoArray(tile, 2 * COLS + L);
        c30.intoArray(tile, 3 * COLS);
        c31.intoArray(tile, 3 * COLS + L);
        c40.intoArray(tile, 4 * COLS);
        c41.intoArray(tile, 4 * COLS + L);
        c50.intoArray(tile, 5 * COLS);
        c51.intoArray(tile, 5 * COLS + L);
    }
}
