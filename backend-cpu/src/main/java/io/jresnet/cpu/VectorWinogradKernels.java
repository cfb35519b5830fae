package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd {@code F(4x4,3x3)} convolution ({@link WinogradPlan}) on the shared micro-kernel
 * ({@link VectorTileKernel}). Per item and input channel chunk, each panel of {@code ROWS} tiles goes
 * through three stages:
 * <ol>
 *   <li>input transform {@code V = B^T d B} per tile and channel block, one vector (the L channels of a
 *       pixel) per element, the zero block standing in for pixels outside the image; written straight
 *       into one A-panel per position {@code ξ} ({@code v[((ξ * segs + seg) * ROWS + i) * L + c]});</li>
 *   <li>per position and output channel group, {@code VectorTileKernel.multiply} of that A-panel with
 *       the group's packed {@code U_ξ}: a {@code ROWS x width} tile of products (width {@code COLS}, or
 *       one vector for a 16-channel output at 16 lanes: {@code multiplyOneBlock}), stored (first chunk) or
 *       added (later chunks) into the products {@code M};</li>
 *   <li>after the last chunk, the output transform {@code A^T M A} per tile and output block, fused
 *       with the epilogue (bias, residual, ReLU) and storing only the outputs inside the image.</li>
 * </ol>
 * The position loop is outside the group loop, so each A-panel ({@code chunk x ROWS} floats, 3 KB at
 * 64 channels and 12 rows) stays in L1 while the weights stream from L2.
 *
 * <p>The transforms are the matrices of {@link WinogradF4x4} factored so that each 1-D pass costs 12
 * (input) or 10 (output) vector operations for 6 values; rows past the last tile are zeros.
 */
final class VectorWinogradKernels {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;
    private static final int L = VectorTileKernel.L;
    private static final int MR = VectorTileKernel.ROWS;
    private static final int XI = WinogradF4x4.POSITIONS;
    private static final int T = WinogradF4x4.T;
    private static final int M = WinogradF4x4.M;

    /** Per-thread buffers, grown to the largest layer seen, then reused. */
    private static final class Scratch {
        float[] transformed = new float[0];
        float[] products = new float[0];
        final float[] tile = new float[MR * VectorTileKernel.COLS];
        /** Offsets of one tile's 6 x 6 input window in a channel block (-1: outside the image). */
        final int[] window = new int[XI];
        /** Between the two 1-D passes of a transform: 6 x 6 vectors. */
        final float[] between = new float[XI * L];
        /** The 4 x 4 output vectors of one tile before the epilogue. */
        final float[] outputs = new float[M * M * L];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorWinogradKernels() {}

    static void conv(WinogradPlan p, float[] x, float[] y, float[] res, int zero, int from, int to) {
        if (p.panelTiles != MR) {
            throw new IllegalArgumentException(p.name + ": plan made for panels of " + p.panelTiles
                    + " tiles, the kernel's have " + MR);
        }
        Scratch s = SCRATCH.get();
        // One chunk: each panel's products are transformed out at once, so one panel's worth is reused.
        int slots = p.chunks() == 1 ? 1 : p.blockPanels();
        int perGroup = XI * MR * p.width, perPanel = p.blockGroups() * perGroup;
        int transformed = XI * p.chunkBlocks() * MR * L;
        if (s.transformed.length < transformed) s.transformed = new float[transformed];
        if (s.products.length < slots * perPanel) s.products = new float[slots * perPanel];
        for (int item = from; item < to; item++) {
            int tileBlock = item / p.columnBlocks, columnBlock = item % p.columnBlocks;
            int t0 = p.tileStart(tileBlock), t1 = p.tileStart(tileBlock + 1);
            int g0 = p.groupStart(columnBlock), g1 = p.groupStart(columnBlock + 1);
            for (int c = 0; c < p.chunks(); c++) {
                int b0 = p.chunkStart[c], b1 = p.chunkStart[c + 1];
                for (int t = t0, panel = 0; t < t1; t += MR, panel++) {
                    int rows = Math.min(MR, t1 - t);
                    int products = (slots == 1 ? 0 : panel) * perPanel;
                    transformPanel(p, x, zero, t, rows, b0, b1, s.transformed, 0, s);
                    multiplyPanel(p, s, b0, b1, g0, g1, products, rows, c == 0);
                    if (c == p.chunks() - 1) {
                        for (int g = g0; g < g1; g++) {
                            outputPanel(p, s.products, products + (g - g0) * perGroup, s, y, res, t, rows, g);
                        }
                    }
                }
            }
        }
    }

    /**
     * Per position {@code ξ} and group {@code g}: {@code M_ξ,g = V_ξ x U_ξ,g} over channel blocks
     * {@code [b0, b1)}, stored (first chunk) or added at
     * {@code products + ((g - g0) * 36 + ξ) * ROWS * width}, for the panel's first {@code rows} rows.
     */
    private static void multiplyPanel(WinogradPlan p, Scratch s, int b0, int b1, int g0, int g1, int products,
                                      int rows, boolean first) {
        float[] v = s.transformed, m = s.products, tile = s.tile;
        int segs = b1 - b0, size = MR * p.width, used = rows * p.width;
        for (int xi = 0; xi < XI; xi++) {
            int a = xi * segs * MR * L;
            for (int g = g0; g < g1; g++) {
                int b = p.weightOffset(xi, g, b0 * L);
                VectorTileKernel.multiply(p.blocksPerGroup, rows, v, a, MR * L, segs, p.weights, b, tile);
                int at = products + ((g - g0) * XI + xi) * size;
                for (int e = 0; e < used; e += L) { // the tile's rows past the real ones are not computed
                    FloatVector product = FloatVector.fromArray(F, tile, e);
                    if (!first) product = product.add(FloatVector.fromArray(F, m, at + e));
                    product.intoArray(m, at + e);
                }
            }
        }
    }

    /**
     * {@code V = B^T d B} of tiles {@code [t, t + rows)} for every channel block, into the A-panels at
     * {@code v[vOff]} (position {@code ξ}, block, row, lane: {@code vOff + ((ξ * blocks + block) * ROWS + row) * L + lane});
     * rows {@code [rows, ROWS)} and padding lanes are zeros. For training's weight gradient.
     */
    static void transformInput(WinogradPlan p, float[] x, int zero, int t, int rows, float[] v, int vOff) {
        transformPanel(p, x, zero, t, rows, 0, p.in.blocks(), v, vOff, SCRATCH.get());
    }

    /**
     * {@code V = B^T d B} of tiles {@code [t, t + rows)} for channel blocks {@code [b0, b1)}, into the
     * A-panels at {@code v[vOff]}; rows {@code [rows, ROWS)} are zeros.
     */
    private static void transformPanel(WinogradPlan p, float[] x, int zero, int t, int rows, int b0, int b1, float[] v,
                                       int vOff, Scratch s) {
        Blocked in = p.in;
        int segs = b1 - b0, xiStride = segs * MR * L, perImage = p.tilesH * p.tilesW;
        int[] window = s.window;
        float[] between = s.between;
        for (int i = 0; i < MR; i++) {
            if (i >= rows) {
                FloatVector zeros = FloatVector.zero(F);
                for (int e = 0; e < XI * segs; e++) zeros.intoArray(v, vOff + (e * MR + i) * L);
                continue;
            }
            int tile = t + i, n = tile / perImage;
            int iy0 = tile / p.tilesW % p.tilesH * M - p.padTop, ix0 = tile % p.tilesW * M - p.padLeft;
            // The window's pixel offsets within a channel block, -1 outside the image: once per tile.
            for (int r = 0; r < T; r++) {
                for (int q = 0; q < T; q++) {
                    int iy = iy0 + r, ix = ix0 + q;
                    window[r * T + q] = iy >= 0 && iy < in.h() && ix >= 0 && ix < in.w() ? (iy * in.w() + ix) * L : -1;
                }
            }
            for (int cb = b0; cb < b1; cb++) {
                int plane = n * in.imageStride() + cb * in.blockStride(), cn = p.channelsOf(cb);
                // Columns of d: B^T d into between[(row * 6 + q) * L].
                for (int q = 0; q < T; q++) {
                    inputPass(x, at(window[q], plane, zero), at(window[T + q], plane, zero),
                            at(window[2 * T + q], plane, zero), at(window[3 * T + q], plane, zero),
                            at(window[4 * T + q], plane, zero), at(window[5 * T + q], plane, zero), cn,
                            between, q * L, T * L);
                }
                // Rows of B^T d: (B^T d) B, element (r, q) is position ξ = r * 6 + q.
                int panel = vOff + ((cb - b0) * MR + i) * L;
                for (int r = 0; r < T; r++) {
                    int o = r * T * L;
                    inputPass(between, o, o + L, o + 2 * L, o + 3 * L, o + 4 * L, o + 5 * L, L, v,
                            panel + r * T * xiStride, xiStride);
                }
            }
        }
    }

    /** A pixel of the block at {@code plane}, or the zero block for offset -1. */
    private static int at(int offset, int plane, int zero) {
        return offset < 0 ? zero : plane + offset;
    }

    /**
     * One 1-D input transform: the six rows of {@code B^T} applied to the vectors at {@code src[o0]}
     * ... {@code src[o5]} (of which only the first {@code cn} lanes are channels: padding lanes of the
     * layout hold unspecified values, which must not reach the sums), stored at
     * {@code dst[off + k * stride]}. Factored as {@code t1,2 = (d4 - 4 d2) ± (d3 - 4 d1)},
     * {@code t3,4 = (d4 - d2) ± 2 (d3 - d1)}.
     */
    private static void inputPass(float[] src, int o0, int o1, int o2, int o3, int o4, int o5, int cn, float[] dst,
                                  int off, int stride) {
        FloatVector d0, d1, d2, d3, d4, d5;
        if (cn == L) {
            d0 = FloatVector.fromArray(F, src, o0);
            d1 = FloatVector.fromArray(F, src, o1);
            d2 = FloatVector.fromArray(F, src, o2);
            d3 = FloatVector.fromArray(F, src, o3);
            d4 = FloatVector.fromArray(F, src, o4);
            d5 = FloatVector.fromArray(F, src, o5);
        } else {
            VectorMask<Float> real = F.indexInRange(0, cn);
            d0 = FloatVector.fromArray(F, src, o0, real);
            d1 = FloatVector.fromArray(F, src, o1, real);
            d2 = FloatVector.fromArray(F, src, o2, real);
            d3 = FloatVector.fromArray(F, src, o3, real);
            d4 = FloatVector.fromArray(F, src, o4, real);
            d5 = FloatVector.fromArray(F, src, o5, real);
        }
        FloatVector four = FloatVector.broadcast(F, 4f), minusFour = FloatVector.broadcast(F, -4f);
        FloatVector minusFive = FloatVector.broadcast(F, -5f);
        FloatVector a = d2.fma(minusFour, d4), b = d1.fma(minusFour, d3);
        FloatVector c = d4.sub(d2), e = d3.sub(d1);
        e = e.add(e);
        d0.fma(four, d2.fma(minusFive, d4)).intoArray(dst, off);
        a.add(b).intoArray(dst, off + stride);
        a.sub(b).intoArray(dst, off + 2 * stride);
        c.add(e).intoArray(dst, off + 3 * stride);
        c.sub(e).intoArray(dst, off + 4 * stride);
        d1.fma(four, d3.fma(minusFive, d5)).intoArray(dst, off + 5 * stride);
    }

    /**
     * {@code Y = A^T M A} of tiles {@code [t, t + rows)} for output channel group {@code g}, whose
     * products start at {@code m[mOff]} (position {@code ξ}, row {@code i}, column {@code j} at
     * {@code mOff + ξ * ROWS * width + i * width + j}), with bias, residual and ReLU, stored where the
     * tile is inside the image.
     */
    private static void outputPanel(WinogradPlan p, float[] m, int mOff, Scratch s, float[] y, float[] res, int t,
                                    int rows, int g) {
        Blocked out = p.out;
        int xiStride = MR * p.width, perImage = p.tilesH * p.tilesW, OW = out.w();
        float[] between = s.between, outputs = s.outputs;
        for (int h = 0; h < p.blocksPerGroup; h++) {
            int kb = g * p.blocksPerGroup + h;
            if (kb >= out.blocks()) break;
            FloatVector bias = FloatVector.fromArray(F, p.bias, kb * L);
            for (int i = 0; i < rows; i++) {
                int tile = t + i, n = tile / perImage;
                int oy0 = tile / p.tilesW % p.tilesH * M, ox0 = tile % p.tilesW * M;
                int src = mOff + i * p.width + h * L;
                // Columns of M: A^T M into between[(row * 6 + q) * L], rows 0..3.
                for (int q = 0; q < T; q++) outputPass(m, src + q * xiStride, T * xiStride, between, q * L, T * L);
                // Rows of A^T M: (A^T M) A into outputs[(row * 4 + column) * L].
                for (int r = 0; r < M; r++) outputPass(between, r * T * L, L, outputs, r * M * L, L);
                int base = n * out.imageStride() + kb * out.blockStride();
                int rowsIn = Math.min(M, out.h() - oy0), columnsIn = Math.min(M, OW - ox0);
                for (int r = 0; r < rowsIn; r++) {
                    for (int q = 0; q < columnsIn; q++) {
                        int at = base + ((oy0 + r) * OW + ox0 + q) * L;
                        FloatVector o = FloatVector.fromArray(F, outputs, (r * M + q) * L).add(bias);
                        if (res != null) o = o.add(FloatVector.fromArray(F, res, at));
                        if (p.relu) o = o.max(0f);
                        o.intoArray(y, at);
                    }
                }
            }
        }
    }

    /**
     * One 1-D output transform: the four rows of {@code A^T} applied to the vectors at
     * {@code src[off + k * stride]}, {@code k < 6}, stored at {@code dst[dOff + r * dStride]}. Factored
     * with {@code s = m1 + m2, m3 + m4} and {@code d = m1 - m2, m3 - m4}: {@code y0 = m0 + s12 + s34},
     * {@code y1 = d12 + 2 d34}, {@code y2 = s12 + 4 s34}, {@code y3 = d12 + 8 d34 + m5}.
     */
    private static void outputPass(float[] src, int off, int stride, float[] dst, int dOff, int dStride) {
        FloatVector m0 = FloatVector.fromArray(F, src, off);
        FloatVector m1 = FloatVector.fromArray(F, src, off + stride);
        FloatVector m2 = FloatVector.fromArray(F, src, off + 2 * stride);
        FloatVector m3 = FloatVector.fromArray(F, src, off + 3 * stride);
        FloatVector m4 = FloatVector.fromArray(F, src, off + 4 * stride);
        FloatVector m5 = FloatVector.fromArray(F, src, off + 5 * stride);
        FloatVector s12 = m1.add(m2), d12 = m1.sub(m2), s34 = m3.add(m4), d34 = m3.sub(m4);
        m0.add(s12).add(s34).intoArray(dst, dOff);
        d34.fma(FloatVector.broadcast(F, 2f), d12).intoArray(dst, dOff + dStride);
        s34.fma(FloatVector.broadcast(F, 4f), s12).intoArray(dst, dOff + 2 * dStride);
        d34.fma(FloatVector.broadcast(F, 8f), d12.add(m5)).intoArray(dst, dOff + 3 * dStride);
    }
}
