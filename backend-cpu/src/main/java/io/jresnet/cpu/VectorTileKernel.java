package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked micro-kernel shared by {@link VectorGemm} and the convolution: a tile of
 * {@link #ROWS} rows x {@link #COLS} columns (2 vectors) accumulated over a depth that is walked in
 * segments of one vector width. {@code ROWS} depends on the width ({@link ConvPlan#tilePixels}):
 * 6 x 2 = 12 accumulators at 128 and 256 bits, which with the two B vectors and one broadcast fits
 * the 16 registers of AVX2; 12 x 2 = 24 at 512 bits, 27 of AVX-512's 32 registers.
 *
 * <p>Math: {@code tile[i, j] = sum_d A[i, d] * B[d, j]}. B is a packed panel, {@code b[bOff + d *
 * COLS + j]}. A is a panel of segments: segment {@code g} holds, for each row {@code i}, one
 * vector's worth of depths at {@code a[aOff + g * aStride + i * L]}. A packed panel has
 * {@code aStride = ROWS * L}; a stride-1 1x1 convolution passes its blocked input in place, with
 * {@code aStride} the distance between channel blocks. Per depth the kernel does 2 vector loads of
 * B, {@code ROWS} scalar broadcasts and {@code 2 x ROWS} FMAs.
 *
 * <p>Measured on AVX2 (Zen 3), one thread, panels in L1: this form runs at 85-90% of the FMA peak;
 * the same loop over a flat depth index runs at 43%, and reading A through per-row offsets at
 * 65-70%. What matters is the inner loop over one segment with a constant trip count, which C2
 * unrolls completely with one range check per segment, and a single base for every A read.
 *
 * <p>The result goes to {@code tile} (row {@code i} at {@code i * COLS}), where the caller's
 * epilogue reads it while it is still in L1; that costs {@code 2 x ROWS} L1 accesses per tile
 * against {@code 2 x ROWS x depth} FMAs and keeps one kernel for every destination layout.
 *
 * <p>There is one loop body per tile shape ({@link #multiply6}, {@link #multiply12},
 * {@link #multiplyOneBlock}, and {@link #multiply4} for a layer's last few rows); {@code ROWS}
 * is a {@code static final} constant, so C2 folds the choice in {@link #multiply} away.
 */
final class VectorTileKernel {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;
    /** Floats per vector. */
    static final int L = F.length();
    static final int ROWS = ConvPlan.tilePixels(L);
    static final int COLS = ConvPlan.TILE_BLOCKS * L;

    private VectorTileKernel() {}

    /** {@code tile = A * B} over {@code segments} segments of {@link #L} depths, A a packed panel. */
    static void multiply(float[] a, int aOff, int segments, float[] b, int bOff, float[] tile) {
        multiply(a, aOff, ROWS * L, segments, b, bOff, tile);
    }

    /**
     * {@code tile = A * B} over {@code segments} segments of {@link #L} depths, segment {@code g} of
     * A at {@code aOff + g * aStride}. Only whole segments: a variant that also took partial ones (a
     * second inner loop) ran at a third of the speed once C2 had seen both loops taken.
     */
    static void multiply(float[] a, int aOff, int aStride, int segments, float[] b, int bOff, float[] tile) {
        if (ROWS == 12) multiply12(a, aOff, aStride, segments, b, bOff, tile);
        else multiply6(a, aOff, aStride, segments, b, bOff, tile);
    }

    /**
     * {@code tile = A * B} with a B panel {@code blocks} vectors wide (1 or 2): {@link #multiplyOneBlock}
     * or {@link #multiply(float[], int, int, int, float[], int, float[])}.
     */
    static void multiply(int blocks, float[] a, int aOff, int aStride, int segments, float[] b, int bOff, float[] tile) {
        if (blocks == 1) multiplyOneBlock(a, aOff, aStride, segments, b, bOff, tile);
        else multiply(a, aOff, aStride, segments, b, bOff, tile);
    }

    /**
     * As {@link #multiply(int, float[], int, int, int, float[], int, float[])} where only the first
     * {@code rows} rows of A are real: a two-block tile of at most {@link #TAIL_ROWS} rows runs
     * {@link #multiply4}. The last panel of a layer is such a tail in every ResNet-50 layer at batch 1
     * (3,136, 784 and 196 pixels leave 4 over 12-row panels, 49 leave 1), and for the 7x7 layers it
     * is one panel in five: computed as a full tile it is 8 or 11 rows of FMAs on zeros.
     */
    static void multiply(int blocks, int rows, float[] a, int aOff, int aStride, int segments, float[] b, int bOff,
                         float[] tile) {
        if (blocks == 2 && rows <= TAIL_ROWS && ROWS > TAIL_ROWS) multiply4(a, aOff, aStride, segments, b, bOff, tile);
        else multiply(blocks, a, aOff, aStride, segments, b, bOff, tile);
    }

    /** Rows of the tail tile ({@link #multiply4}). */
    static final int TAIL_ROWS = 4;

    /**
     * {@code tile = A * B} for the first 4 rows of A only, result row {@code i} at {@code tile[i * COLS]}:
     * 8 accumulators, as many as two FMA pipes of 4 cycles' latency keep busy.
     */
    static void multiply4(float[] a, int aOff, int aStride, int segments, float[] b, int bOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int g = 0; g < segments; g++) {
            int ai = aOff + g * aStride, b0i = bOff + g * L * COLS;
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
    }

    /**
     * {@code tile = A * B} for a B panel of one vector's width ({@code b[bOff + d * L + j]}), result
     * row {@code i} at {@code tile[i * L]}: the 12-row tile's one-block variant (12 accumulators),
     * for outputs of a single channel block. Per depth: 1 vector load, 12 broadcasts, 12 FMAs.
     */
    static void multiplyOneBlock(float[] a, int aOff, int aStride, int segments, float[] b, int bOff, float[] tile) {
        if (ROWS != 12) throw new IllegalStateException("the one-block tile is for 12 rows, not " + ROWS);
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        FloatVector c6 = c0, c7 = c0, c8 = c0, c9 = c0, ca = c0, cb = c0;
        for (int g = 0; g < segments; g++) {
            int ai = aOff + g * aStride, b0i = bOff + g * L * L;
            for (int d = 0; d < L; d++) {
                FloatVector w = FloatVector.fromArray(F, b, b0i + d * L);
                c0 = FloatVector.broadcast(F, a[ai + d]).fma(w, c0);
                c1 = FloatVector.broadcast(F, a[ai + L + d]).fma(w, c1);
                c2 = FloatVector.broadcast(F, a[ai + 2 * L + d]).fma(w, c2);
                c3 = FloatVector.broadcast(F, a[ai + 3 * L + d]).fma(w, c3);
                c4 = FloatVector.broadcast(F, a[ai + 4 * L + d]).fma(w, c4);
                c5 = FloatVector.broadcast(F, a[ai + 5 * L + d]).fma(w, c5);
                c6 = FloatVector.broadcast(F, a[ai + 6 * L + d]).fma(w, c6);
                c7 = FloatVector.broadcast(F, a[ai + 7 * L + d]).fma(w, c7);
                c8 = FloatVector.broadcast(F, a[ai + 8 * L + d]).fma(w, c8);
                c9 = FloatVector.broadcast(F, a[ai + 9 * L + d]).fma(w, c9);
                ca = FloatVector.broadcast(F, a[ai + 10 * L + d]).fma(w, ca);
                cb = FloatVector.broadcast(F, a[ai + 11 * L + d]).fma(w, cb);
            }
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, L);
        c2.intoArray(tile, 2 * L);
        c3.intoArray(tile, 3 * L);
        c4.intoArray(tile, 4 * L);
        c5.intoArray(tile, 5 * L);
        c6.intoArray(tile, 6 * L);
        c7.intoArray(tile, 7 * L);
        c8.intoArray(tile, 8 * L);
        c9.intoArray(tile, 9 * L);
        ca.intoArray(tile, 10 * L);
        cb.intoArray(tile, 11 * L);
    }

    /**
     * {@code tile = A * B} over a staged convolution's windows, read where they lie instead of packed:
     * row {@code i}'s depth {@code (r, col)} is {@code a[aOff + i * pixelStride + r * rowStride + col]}
     * for kernel rows {@code r < kernelRows} of {@code rowDepth} contiguous floats ({@code S x cn} of
     * the staged rows, see {@link ConvPlan#staged}); B is the packed panel in compact depth
     * {@code d = r * rowDepth + col}. The {@link #ROWS} rows are consecutive output pixels of one
     * output row, so {@code pixelStride} is the stride in floats ({@code strideW x cn}). Only for 12
     * rows and two blocks ({@link ConvPlan#windowsInPlace}).
     */
    static void multiplyWindows12(float[] a, int aOff, int pixelStride, int rowStride, int kernelRows, int rowDepth,
                                  float[] b, int bOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00;
        FloatVector c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        int s = pixelStride;
        for (int r = 0; r < kernelRows; r++) {
            int a0 = aOff + r * rowStride, b0r = bOff + r * rowDepth * COLS;
            for (int col = 0; col < rowDepth; col++) {
                int ai = a0 + col, bi = b0r + col * COLS;
                FloatVector b0 = FloatVector.fromArray(F, b, bi);
                FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
                FloatVector v = FloatVector.broadcast(F, a[ai]);
                c00 = v.fma(b0, c00);
                c01 = v.fma(b1, c01);
                v = FloatVector.broadcast(F, a[ai + s]);
                c10 = v.fma(b0, c10);
                c11 = v.fma(b1, c11);
                v = FloatVector.broadcast(F, a[ai + 2 * s]);
                c20 = v.fma(b0, c20);
                c21 = v.fma(b1, c21);
                v = FloatVector.broadcast(F, a[ai + 3 * s]);
                c30 = v.fma(b0, c30);
                c31 = v.fma(b1, c31);
                v = FloatVector.broadcast(F, a[ai + 4 * s]);
                c40 = v.fma(b0, c40);
                c41 = v.fma(b1, c41);
                v = FloatVector.broadcast(F, a[ai + 5 * s]);
                c50 = v.fma(b0, c50);
                c51 = v.fma(b1, c51);
                v = FloatVector.broadcast(F, a[ai + 6 * s]);
                c60 = v.fma(b0, c60);
                c61 = v.fma(b1, c61);
                v = FloatVector.broadcast(F, a[ai + 7 * s]);
                c70 = v.fma(b0, c70);
                c71 = v.fma(b1, c71);
                v = FloatVector.broadcast(F, a[ai + 8 * s]);
                c80 = v.fma(b0, c80);
                c81 = v.fma(b1, c81);
                v = FloatVector.broadcast(F, a[ai + 9 * s]);
                c90 = v.fma(b0, c90);
                c91 = v.fma(b1, c91);
                v = FloatVector.broadcast(F, a[ai + 10 * s]);
                ca0 = v.fma(b0, ca0);
                ca1 = v.fma(b1, ca1);
                v = FloatVector.broadcast(F, a[ai + 11 * s]);
                cb0 = v.fma(b0, cb0);
                cb1 = v.fma(b1, cb1);
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
        c60.intoArray(tile, 6 * COLS);
        c61.intoArray(tile, 6 * COLS + L);
        c70.intoArray(tile, 7 * COLS);
        c71.intoArray(tile, 7 * COLS + L);
        c80.intoArray(tile, 8 * COLS);
        c81.intoArray(tile, 8 * COLS + L);
        c90.intoArray(tile, 9 * COLS);
        c91.intoArray(tile, 9 * COLS + L);
        ca0.intoArray(tile, 10 * COLS);
        ca1.intoArray(tile, 10 * COLS + L);
        cb0.intoArray(tile, 11 * COLS);
        cb1.intoArray(tile, 11 * COLS + L);
    }

    /** {@link #multiplyWindows12} for the first 4 rows only (an output row's last few pixels). */
    static void multiplyWindows4(float[] a, int aOff, int pixelStride, int rowStride, int kernelRows, int rowDepth,
                                 float[] b, int bOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int s = pixelStride;
        for (int r = 0; r < kernelRows; r++) {
            int a0 = aOff + r * rowStride, b0r = bOff + r * rowDepth * COLS;
            for (int col = 0; col < rowDepth; col++) {
                int ai = a0 + col, bi = b0r + col * COLS;
                FloatVector b0 = FloatVector.fromArray(F, b, bi);
                FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
                FloatVector v = FloatVector.broadcast(F, a[ai]);
                c00 = v.fma(b0, c00);
                c01 = v.fma(b1, c01);
                v = FloatVector.broadcast(F, a[ai + s]);
                c10 = v.fma(b0, c10);
                c11 = v.fma(b1, c11);
                v = FloatVector.broadcast(F, a[ai + 2 * s]);
                c20 = v.fma(b0, c20);
                c21 = v.fma(b1, c21);
                v = FloatVector.broadcast(F, a[ai + 3 * s]);
                c30 = v.fma(b0, c30);
                c31 = v.fma(b1, c31);
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
    }

    private static void multiply6(float[] a, int aOff, int aStride, int segments, float[] b, int bOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int g = 0; g < segments; g++) {
            int ai = aOff + g * aStride, b0i = bOff + g * L * COLS;
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

    private static void multiply12(float[] a, int aOff, int aStride, int segments, float[] b, int bOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00;
        FloatVector c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        for (int g = 0; g < segments; g++) {
            int ai = aOff + g * aStride, b0i = bOff + g * L * COLS;
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
                v = FloatVector.broadcast(F, a[ai + 6 * L + d]);
                c60 = v.fma(b0, c60);
                c61 = v.fma(b1, c61);
                v = FloatVector.broadcast(F, a[ai + 7 * L + d]);
                c70 = v.fma(b0, c70);
                c71 = v.fma(b1, c71);
                v = FloatVector.broadcast(F, a[ai + 8 * L + d]);
                c80 = v.fma(b0, c80);
                c81 = v.fma(b1, c81);
                v = FloatVector.broadcast(F, a[ai + 9 * L + d]);
                c90 = v.fma(b0, c90);
                c91 = v.fma(b1, c91);
                v = FloatVector.broadcast(F, a[ai + 10 * L + d]);
                ca0 = v.fma(b0, ca0);
                ca1 = v.fma(b1, ca1);
                v = FloatVector.broadcast(F, a[ai + 11 * L + d]);
                cb0 = v.fma(b0, cb0);
                cb1 = v.fma(b1, cb1);
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
        c60.intoArray(tile, 6 * COLS);
        c61.intoArray(tile, 6 * COLS + L);
        c70.intoArray(tile, 7 * COLS);
        c71.intoArray(tile, 7 * COLS + L);
        c80.intoArray(tile, 8 * COLS);
        c81.intoArray(tile, 8 * COLS + L);
        c90.intoArray(tile, 9 * COLS);
        c91.intoArray(tile, 9 * COLS + L);
        ca0.intoArray(tile, 10 * COLS);
        ca1.intoArray(tile, 10 * COLS + L);
        cb0.intoArray(tile, 11 * COLS);
        cb1.intoArray(tile, 11 * COLS + L);
    }
}
