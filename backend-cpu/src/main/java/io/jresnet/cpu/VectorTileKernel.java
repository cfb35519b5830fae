package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked micro-kernel shared by {@link VectorGemm} and the convolution: a tile of
 * {@link #ROWS} rows x {@link #COLS} columns ({@code 6 x 2} vectors = 12 accumulators, which with the
 * two B vectors and one broadcast fits the 16 registers of AVX2) accumulated over a depth that is
 * walked in segments of up to one vector width.
 *
 * <p>Math: {@code tile[i, j] = sum_d A[i, d] * B[d, j]}. B is a packed panel, {@code b[bOff + d *
 * COLS + j]}. A is read in place: in segment {@code g} row {@code i} starts at {@code a[offsets[
 * offAt + g * ROWS + i]]} and holds that segment's depths contiguously. For the convolution the
 * offsets point straight into the blocked activation (one segment = one input channel block at one
 * window position, or the zero block for padding), so the activation is never copied; for the plain
 * GEMM they point into a packed A panel. Per depth the kernel does 2 vector loads of B, 6 scalar
 * broadcasts and 12 FMAs.
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
     * Accumulates {@code fullSegments} segments of {@link #L} depths and then {@code partSegments}
     * segments of {@code partLength < L} depths (the last, partial channel block of a convolution).
     */
    static void multiply(float[] a, int[] offsets, int offAt, int fullSegments, int partSegments, int partLength,
                         float[] b, int bOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int bi = bOff;
        int segments = fullSegments + partSegments;
        for (int g = 0; g < segments; g++) {
            int o = offAt + g * ROWS;
            int o0 = offsets[o], o1 = offsets[o + 1], o2 = offsets[o + 2];
            int o3 = offsets[o + 3], o4 = offsets[o + 4], o5 = offsets[o + 5];
            int depth = g < fullSegments ? L : partLength;
            if (depth == L) {
                // Constant trip count: C2 unrolls the whole segment.
                for (int d = 0; d < L; d++, bi += COLS) {
                    FloatVector b0 = FloatVector.fromArray(F, b, bi);
                    FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
                    FloatVector v = FloatVector.broadcast(F, a[o0 + d]);
                    c00 = v.fma(b0, c00);
                    c01 = v.fma(b1, c01);
                    v = FloatVector.broadcast(F, a[o1 + d]);
                    c10 = v.fma(b0, c10);
                    c11 = v.fma(b1, c11);
                    v = FloatVector.broadcast(F, a[o2 + d]);
                    c20 = v.fma(b0, c20);
                    c21 = v.fma(b1, c21);
                    v = FloatVector.broadcast(F, a[o3 + d]);
                    c30 = v.fma(b0, c30);
                    c31 = v.fma(b1, c31);
                    v = FloatVector.broadcast(F, a[o4 + d]);
                    c40 = v.fma(b0, c40);
                    c41 = v.fma(b1, c41);
                    v = FloatVector.broadcast(F, a[o5 + d]);
                    c50 = v.fma(b0, c50);
                    c51 = v.fma(b1, c51);
                }
            } else {
                for (int d = 0; d < depth; d++, bi += COLS) {
                    FloatVector b0 = FloatVector.fromArray(F, b, bi);
                    FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
                    FloatVector v = FloatVector.broadcast(F, a[o0 + d]);
                    c00 = v.fma(b0, c00);
                    c01 = v.fma(b1, c01);
                    v = FloatVector.broadcast(F, a[o1 + d]);
                    c10 = v.fma(b0, c10);
                    c11 = v.fma(b1, c11);
                    v = FloatVector.broadcast(F, a[o2 + d]);
                    c20 = v.fma(b0, c20);
                    c21 = v.fma(b1, c21);
                    v = FloatVector.broadcast(F, a[o3 + d]);
                    c30 = v.fma(b0, c30);
                    c31 = v.fma(b1, c31);
                    v = FloatVector.broadcast(F, a[o4 + d]);
                    c40 = v.fma(b0, c40);
                    c41 = v.fma(b1, c41);
                    v = FloatVector.broadcast(F, a[o5 + d]);
                    c50 = v.fma(b0, c50);
                    c51 = v.fma(b1, c51);
                }
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
