package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Convolution as the implicit GEMM of {@link ConvPlan} on the shared micro-kernel
 * ({@link VectorTileKernel}). For each item (row block x column block) and depth chunk: each panel
 * of {@code MR} output pixels (6 at 128/256 bits, 12 at 512) is packed (one vector copy per pixel
 * and segment: the pixel's window position in one input channel block, or the zero block where the
 * window hangs over the padding, so border pixels run the same code), then swept over the item's
 * output channel groups, each an {@code MR x tileBlocks} tile. The panel (at most 12 x 640
 * floats, 30 KB) stays in L1 for the sweep. Two cases skip the packing: a stride-1 1x1
 * convolution hands the kernel its input in place, and a convolution over one partial channel
 * block (a stem) is staged ({@link ConvPlan#staged}).
 *
 * <p>The epilogue runs as each tile is stored, while it is in L1: the first chunk starts from the
 * bias, later chunks add to what earlier ones stored; the last adds the residual and applies ReLU.
 * Pixel rows past the last output (the tail of the final panel) are computed from zeros and not
 * stored.
 */
final class VectorConvKernels {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;
    private static final int L = VectorTileKernel.L;
    private static final int MR = VectorTileKernel.ROWS;
    private static final int NR = VectorTileKernel.COLS;

    /** Per-thread packed panel, flat-packing row and staged input (grown to the largest seen, then reused) and tile. */
    private static final class Scratch {
        float[] panel = new float[0];
        float[] row = new float[0];
        float[] staged = new float[0];
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorConvKernels() {}

    static void conv(ConvPlan p, float[] x, float[] y, float[] res, int zero, int from, int to) {
        Scratch scratch = SCRATCH.get();
        int most = p.panelVectors;
        if (scratch.panel.length < most * MR * L) {
            scratch.panel = new float[most * MR * L];
            scratch.row = new float[(most + 1) * L];
        }
        if (p.convGroups > 1) {
            convGrouped(p, x, y, res, zero, from, to, scratch);
            return;
        }
        if (p.staged) {
            convStaged(p, x, y, res, from, to, scratch);
            return;
        }
        float[] panel = scratch.panel;
        float[] tile = scratch.tile;
        int P = p.out.spatial(), width = p.tileWidth();
        for (int item = from; item < to; item++) {
            int rowBlock = item / p.columnBlocks, columnBlock = item % p.columnBlocks;
            int q0 = p.rowStart(rowBlock), q1 = p.rowStart(rowBlock + 1);
            int g0 = p.groupStart(columnBlock), g1 = p.groupStart(columnBlock + 1);
            for (int c = 0; c < p.chunks(); c++) {
                int s0 = p.chunkStart[c], s1 = p.chunkStart[c + 1];
                int d0 = p.depthOf(s0);
                boolean flat = s1 > p.partialFrom;
                int vectors = flat ? (p.depthOf(s1) - d0 + L - 1) / L : s1 - s0;
                boolean first = c == 0, last = c == p.chunks() - 1;
                for (int q = q0; q < q1; q += MR) {
                    int rows = Math.min(MR, q1 - q);
                    int n = q / P, pixel = q - n * P;
                    float[] a = panel;
                    int aOff = 0, aStride = MR * L;
                    if (p.inPlace && !flat && pixel + MR <= P) {
                        // A stride-1 1x1 convolution's panel is already in x: MR consecutive pixels
                        // of each input block, blocks one block stride apart.
                        a = x;
                        aOff = n * p.in.imageStride() + s0 * p.in.blockStride() + pixel * L;
                        aStride = p.in.blockStride();
                    } else if (flat) {
                        packFlat(p, x, q, s0, s1, zero, panel, vectors * L, scratch.row);
                    } else {
                        pack(p, x, q, s0, s1, zero, panel);
                    }
                    for (int g = g0; g < g1; g++) {
                        int bOff = (g * p.depthStride + d0) * width;
                        VectorTileKernel.multiply(p.tileBlocks, rows, a, aOff, aStride, vectors, p.weights, bOff, tile);
                        store(p, tile, y, res, q, rows, g, first, last);
                    }
                }
            }
        }
    }

    /**
     * A grouped convolution ({@link ConvPlan#convGroups} > 1): per panel of {@code MR} pixels, each
     * column tile multiplies only its own segments ({@link ConvPlan#tileSegmentFrom}); the panel is
     * packed again only when a tile reads other segments than the one before. One pass, the epilogue
     * complete at each store.
     */
    private static void convGrouped(ConvPlan p, float[] x, float[] y, float[] res, int zero, int from, int to,
                                    Scratch scratch) {
        float[] panel = scratch.panel;
        float[] tile = scratch.tile;
        int P = p.out.spatial();
        for (int item = from; item < to; item++) {
            int rowBlock = item / p.columnBlocks, columnBlock = item % p.columnBlocks;
            int q0 = p.rowStart(rowBlock), q1 = p.rowStart(rowBlock + 1);
            int g0 = p.groupStart(columnBlock), g1 = p.groupStart(columnBlock + 1);
            for (int q = q0; q < q1; q += MR) {
                int rows = Math.min(MR, q1 - q);
                int n = q / P, pixel = q - n * P;
                int packedFrom = -1, packedTo = -1;
                for (int g = g0; g < g1; g++) {
                    int s0 = p.tileSegmentFrom[g], s1 = p.tileSegmentTo[g];
                    int d0 = p.depthOf(s0);
                    boolean flat = s1 > p.partialFrom;
                    int vectors = flat ? (p.depthOf(s1) - d0 + L - 1) / L : s1 - s0;
                    float[] a = panel;
                    int aOff = 0, aStride = MR * L;
                    if (p.inPlace && !flat && pixel + MR <= P) {
                        a = x;
                        aOff = n * p.in.imageStride() + s0 * p.in.blockStride() + pixel * L;
                        aStride = p.in.blockStride();
                    } else if (s0 != packedFrom || s1 != packedTo) {
                        if (flat) packFlat(p, x, q, s0, s1, zero, panel, vectors * L, scratch.row);
                        else pack(p, x, q, s0, s1, zero, panel);
                        packedFrom = s0;
                        packedTo = s1;
                    }
                    VectorTileKernel.multiply(p.tileBlocks, rows, a, aOff, aStride, vectors, p.weights, p.tileWeightOffset[g],
                            tile);
                    store(p, tile, y, res, q, rows, g, true, true);
                }
            }
        }
    }

    /**
     * {@code panel[((seg - s0) * MR + j) * L + ci] = X[pixel q + j, segment seg, ci]}: for each pixel,
     * its window position's L channels of the segment's input block, or the zero block in the
     * padding and past the last pixel. Only for chunks of whole channel blocks.
     */
    private static void pack(ConvPlan p, float[] x, int q, int s0, int s1, int zero, float[] panel) {
        Blocked in = p.in, out = p.out;
        int R = p.kernelH, S = p.kernelW, H = in.h(), W = in.w(), P = out.spatial(), OW = out.w();
        // The first pixel's coordinates by division, the others by stepping (divisions per pixel
        // cost as much as the FMAs of a 16-channel layer).
        int n = q / P, pixel = q - n * P, oy = pixel / OW, ox = pixel - oy * OW;
        int cb0 = s0 / (R * S), r0 = s0 / S % R, sx0 = s0 % S;
        for (int j = 0; j < MR; j++) {
            if (q + j >= p.rows) {
                for (int seg = s0; seg < s1; seg++) {
                    FloatVector.fromArray(F, x, zero).intoArray(panel, ((seg - s0) * MR + j) * L);
                }
                continue;
            }
            int iy0 = oy * p.strideH - p.padTop, ix0 = ox * p.strideW - p.padLeft;
            int base = n * in.imageStride();
            int cb = cb0, r = r0, s = sx0;
            for (int seg = s0; seg < s1; seg++) {
                int iy = iy0 + r, ix = ix0 + s;
                boolean inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
                int src = inside ? base + cb * in.blockStride() + (iy * W + ix) * L : zero;
                FloatVector.fromArray(F, x, src).intoArray(panel, ((seg - s0) * MR + j) * L);
                if (++s == S) {
                    s = 0;
                    if (++r == R) {
                        r = 0;
                        cb++;
                    }
                }
            }
            if (++ox == OW) {
                ox = 0;
                if (++oy == out.h()) {
                    oy = 0;
                    n++;
                }
            }
        }
    }

    /**
     * A convolution over one partial channel block ({@link ConvPlan#staged}): per item and image,
     * the input rows its output rows read are staged compactly with their padding, then each
     * panel vector is assembled from the pieces {@link ConvPlan#pieceOffset} names.
     */
    private static void convStaged(ConvPlan p, float[] x, float[] y, float[] res, int from, int to, Scratch scratch) {
        Blocked in = p.in, out = p.out;
        int P = out.spatial(), OW = out.w(), cn = in.c(), RW = p.stagedRowFloats;
        int segments = p.pieceStart.length - 1, width = p.tileWidth();
        float[] panel = scratch.panel, tile = scratch.tile;
        FloatVector zeros = FloatVector.zero(F);
        for (int item = from; item < to; item++) {
            int rowBlock = item / p.columnBlocks, columnBlock = item % p.columnBlocks;
            int q0 = p.rowStart(rowBlock), q1 = p.rowStart(rowBlock + 1);
            int g0 = p.groupStart(columnBlock), g1 = p.groupStart(columnBlock + 1);
            for (int qa = q0; qa < q1; ) {
                int n = qa / P, qb = Math.min(q1, (n + 1) * P);
                int oyA = (qa - n * P) / OW, oyB = (qb - 1 - n * P) / OW;
                int stagedRows = (oyB - oyA) * p.strideH + p.kernelH;
                // Slack past the rows: vector copies spill, and a window tile's rows past an output
                // row's end read (and discard) up to MR pixels further.
                int need = stagedRows * RW + MR * p.strideW * cn + 2 * L;
                if (scratch.staged.length < need) scratch.staged = new float[need];
                float[] st = scratch.staged;
                stage(p, x, n, oyA * p.strideH - p.padTop, stagedRows, st);
                if (p.windowsInPlace) {
                    windowsInPlace(p, st, oyA, n, qa, qb, g0, g1, y, res, tile);
                    qa = qb;
                    continue;
                }
                for (int q = qa; q < qb; q += MR) {
                    int rows = Math.min(MR, qb - q);
                    for (int j = 0; j < MR; j++) {
                        if (j >= rows) {
                            for (int g = 0; g < segments; g++) zeros.intoArray(panel, (g * MR + j) * L);
                            continue;
                        }
                        int pixel = q + j - n * P, oy = pixel / OW, ox = pixel - oy * OW;
                        int base = (oy - oyA) * p.strideH * RW + ox * p.strideW * cn;
                        for (int g = 0; g < segments; g++) {
                            FloatVector v = zeros;
                            for (int k = p.pieceStart[g]; k < p.pieceStart[g + 1]; k++) {
                                VectorMask<Float> keep = VectorMask.fromArray(F, p.pieceMask, k * L);
                                v = v.blend(FloatVector.fromArray(F, st, base + p.pieceOffset[k], keep), keep);
                            }
                            v.intoArray(panel, (g * MR + j) * L);
                        }
                    }
                    for (int g = g0; g < g1; g++) {
                        int bOff = g * p.depthStride * width;
                        VectorTileKernel.multiply(p.tileBlocks, rows, panel, 0, MR * L, segments, p.weights, bOff, tile);
                        store(p, tile, y, res, q, rows, g, true, true);
                    }
                }
                qa = qb;
            }
        }
    }

    /**
     * Output pixels {@code [qa, qb)} of image {@code n} from the staged rows, the windows read in place
     * ({@link VectorTileKernel#multiplyWindows12}): tiles of up to 12 consecutive pixels of one output
     * row, the 4-row tile for a row's last 4 or fewer.
     */
    private static void windowsInPlace(ConvPlan p, float[] st, int oyA, int n, int qa, int qb, int g0, int g1,
                                       float[] y, float[] res, float[] tile) {
        int P = p.out.spatial(), OW = p.out.w(), RW = p.stagedRowFloats, cn = p.in.c();
        int pixelStride = p.strideW * cn, rowDepth = p.kernelW * cn, width = p.tileWidth();
        for (int q = qa; q < qb; ) {
            int pixel = q - n * P, oy = pixel / OW, ox = pixel - oy * OW;
            int rows = Math.min(Math.min(MR, qb - q), OW - ox);
            int base = (oy - oyA) * p.strideH * RW + ox * pixelStride;
            for (int g = g0; g < g1; g++) {
                int bOff = g * p.depthStride * width;
                if (rows > VectorTileKernel.TAIL_ROWS) {
                    VectorTileKernel.multiplyWindows12(st, base, pixelStride, RW, p.kernelH, rowDepth, p.weights, bOff, tile);
                } else {
                    VectorTileKernel.multiplyWindows4(st, base, pixelStride, RW, p.kernelH, rowDepth, p.weights, bOff, tile);
                }
                store(p, tile, y, res, q, rows, g, true, true);
            }
            q += rows;
        }
    }

    /**
     * {@code st[t * RW + u * cn + c] = X[n, c, iy0 + t, u - padLeft]}, zero outside the image, for
     * staged rows {@code t < rows}. Each pixel is one vector store of its block, in increasing
     * order, so the next pixel overwrites the lanes past {@code cn}; the last one's spill lands in
     * the buffer's slack.
     */
    private static void stage(ConvPlan p, float[] x, int n, int iy0, int rows, float[] st) {
        Blocked in = p.in;
        int H = in.h(), W = in.w(), cn = in.c(), RW = p.stagedRowFloats, pixels = RW / cn;
        FloatVector zeros = FloatVector.zero(F);
        if (p.plainInput) {
            stagePlain(p, x, n, iy0, rows, st);
            return;
        }
        int image = n * in.imageStride();
        for (int t = 0; t < rows; t++) {
            int iy = iy0 + t, at = t * RW;
            boolean rowInside = iy >= 0 && iy < H;
            for (int u = 0; u < pixels; u++, at += cn) {
                int ix = u - p.padLeft;
                if (rowInside && ix >= 0 && ix < W) FloatVector.fromArray(F, x, image + (iy * W + ix) * L).intoArray(st, at);
                else zeros.intoArray(st, at);
            }
        }
    }

    /** {@link #stage} from a plain NCHW input: {@code cn} scalar copies per pixel, zeros outside the image. */
    private static void stagePlain(ConvPlan p, float[] x, int n, int iy0, int rows, float[] st) {
        Blocked in = p.in;
        int H = in.h(), W = in.w(), cn = in.c(), RW = p.stagedRowFloats, pixels = RW / cn, plane = H * W;
        int image = n * cn * plane;
        for (int t = 0; t < rows; t++) {
            int iy = iy0 + t, at = t * RW;
            if (iy < 0 || iy >= H) {
                java.util.Arrays.fill(st, at, at + RW, 0f);
                continue;
            }
            for (int u = 0; u < pixels; u++, at += cn) {
                int ix = u - p.padLeft;
                boolean inside = ix >= 0 && ix < W;
                for (int c = 0; c < cn; c++) st[at + c] = inside ? x[image + c * plane + iy * W + ix] : 0f;
            }
        }
    }

    /**
     * The chunk of segments {@code [s0, s1)} in compact depth, for chunks holding a partial channel
     * block (a stem convolution over 3 channels): {@code panel[(d / L * MR + j) * L + d % L] =
     * X'[pixel q + j, d0 + d]}, zero up to {@code padded}. A pixel's depths are first gathered in
     * {@code row} with one vector copy per segment, each overwriting the unused lanes of the one
     * before, then cut into the panel's vectors; a vector per segment in the panel itself would
     * waste 5 of 8 lanes of every FMA on 3 channels.
     */
    private static void packFlat(ConvPlan p, float[] x, int q, int s0, int s1, int zero, float[] panel, int padded,
                                 float[] row) {
        Blocked in = p.in, out = p.out;
        int R = p.kernelH, S = p.kernelW, H = in.h(), W = in.w(), P = out.spatial(), OW = out.w();
        FloatVector zeros = FloatVector.zero(F);
        for (int j = 0; j < MR; j++) {
            int qq = q + j, d = 0;
            if (qq < p.rows) {
                int n = qq / P, pixel = qq % P;
                int iy0 = pixel / OW * p.strideH - p.padTop, ix0 = pixel % OW * p.strideW - p.padLeft;
                int base = n * in.imageStride();
                int cb = s0 / (R * S), r = s0 / S % R, s = s0 % S;
                for (int seg = s0; seg < s1; seg++) {
                    int iy = iy0 + r, ix = ix0 + s;
                    boolean inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
                    int src = inside ? base + cb * in.blockStride() + (iy * W + ix) * L : zero;
                    FloatVector.fromArray(F, x, src).intoArray(row, d);
                    d += p.channelsOf(cb);
                    if (++s == S) {
                        s = 0;
                        if (++r == R) {
                            r = 0;
                            cb++;
                        }
                    }
                }
            }
            for (int z = d; z < padded; z += L) zeros.intoArray(row, z);
            for (int g = 0; g < padded / L; g++) FloatVector.fromArray(F, row, g * L).intoArray(panel, (g * MR + j) * L);
        }
    }

    /** Rows {@code [q, q + rows)} of channel group {@code g}: bias or earlier chunks, then residual and ReLU. */
    private static void store(ConvPlan p, float[] tile, float[] y, float[] res, int q, int rows, int g,
                              boolean first, boolean last) {
        Blocked out = p.out;
        int P = out.spatial(), kb = g * p.tileBlocks, width = p.tileWidth();
        boolean second = p.tileBlocks == 2 && kb + 1 < out.blocks();
        FloatVector bias0 = FloatVector.fromArray(F, p.bias, kb * L);
        FloatVector bias1 = second ? FloatVector.fromArray(F, p.bias, kb * L + L) : bias0;
        int n0 = q / P, pixel0 = q - n0 * P;
        boolean oneImage = pixel0 + rows <= P;
        for (int j = 0; j < rows; j++) {
            int at;
            if (oneImage) {
                at = n0 * out.imageStride() + kb * out.blockStride() + (pixel0 + j) * L;
            } else {
                int qq = q + j, n = qq / P;
                at = n * out.imageStride() + kb * out.blockStride() + (qq - n * P) * L;
            }
            FloatVector v = FloatVector.fromArray(F, tile, j * width);
            v = v.add(first ? bias0 : FloatVector.fromArray(F, y, at));
            if (last) {
                if (res != null) v = v.add(FloatVector.fromArray(F, res, at));
                if (p.relu) v = v.max(0f);
            }
            v.intoArray(y, at);
            if (second) {
                int at1 = at + out.blockStride();
                FloatVector u = FloatVector.fromArray(F, tile, j * width + L);
                u = u.add(first ? bias1 : FloatVector.fromArray(F, y, at1));
                if (last) {
                    if (res != null) u = u.add(FloatVector.fromArray(F, res, at1));
                    if (p.relu) u = u.max(0f);
                }
                u.intoArray(y, at1);
            }
        }
    }
}
