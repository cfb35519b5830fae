package io.jresnet.cpu;

/**
 * The plain-loop twin of {@link VectorKernels}: the same layout, plans and work items, written as the
 * obvious loops over any block width. It is the fallback when {@code -Djresnet.cpu.vectorBits=0}
 * (used with one lane, where the blocked layout is plain NCHW) and the oracle the vector kernels are
 * tested against at their own block width. Accumulates in float, like the vector path.
 */
final class ScalarKernels implements CpuKernels {
    private final int lanes;

    ScalarKernels(int lanes) {
        this.lanes = lanes;
    }

    @Override
    public int lanes() {
        return lanes;
    }

    @Override
    public String description() {
        return "scalar loops (block " + lanes + ")";
    }

    /** The same items as the vector kernel, each output computed directly in one float sum. */
    @Override
    public void conv(ConvPlan p, float[] x, float[] y, float[] res, int zero, int from, int to) {
        Blocked in = p.in, out = p.out;
        int L = lanes, P = out.spatial(), width = p.tileWidth();
        int step = p.plainInput ? in.h() * in.w() : 1; // between channels of one pixel
        for (int item = from; item < to; item++) {
            int rowBlock = item / p.columnBlocks, columnBlock = item % p.columnBlocks;
            int k0 = p.groupStart(columnBlock) * width, k1 = Math.min(out.c(), p.groupStart(columnBlock + 1) * width);
            for (int q = p.rowStart(rowBlock); q < p.rowStart(rowBlock + 1); q++) {
                int n = q / P, oy = q % P / out.w(), ox = q % out.w();
                for (int k = k0; k < k1; k++) {
                    int g = k / width, kl = k % width;
                    float acc = p.bias[k];
                    int rs = p.kernelH * p.kernelW, d0 = p.depthOf(p.tileSegmentFrom[g]);
                    for (int cb = p.tileSegmentFrom[g] / rs; cb < p.tileSegmentTo[g] / rs; cb++) {
                        int cn = p.channelsOf(cb);
                        for (int r = 0; r < p.kernelH; r++) {
                            int iy = oy * p.strideH - p.padTop + r;
                            if (iy < 0 || iy >= in.h()) continue;
                            for (int s = 0; s < p.kernelW; s++) {
                                int ix = ox * p.strideW - p.padLeft + s;
                                if (ix < 0 || ix >= in.w()) continue;
                                int xi = p.plainInput
                                        ? ((n * in.c() + cb * L) * in.h() + iy) * in.w() + ix
                                        : n * in.imageStride() + cb * in.blockStride() + (iy * in.w() + ix) * L;
                                int wi = p.tileWeightOffset[g] + (p.depthOf(cb, r, s) - d0) * width + kl;
                                for (int ci = 0; ci < cn; ci++) acc += x[xi + ci * step] * p.weights[wi + ci * width];
                            }
                        }
                    }
                    int yi = n * out.imageStride() + (k / L) * out.blockStride() + q % P * L + k % L;
                    if (res != null) acc += res[yi];
                    y[yi] = p.relu ? Math.max(acc, 0f) : acc;
                }
            }
        }
    }

    /** The same items as the vector kernel; each output is its group's sum, read from the same input block. */
    @Override
    public void groupedConv(GroupedConvPlan p, float[] x, float[] y, float[] res, int zero, int from, int to) {
        Blocked in = p.in, out = p.out;
        int L = lanes, g = p.groupWidth, R = p.kernelH, S = p.kernelW;
        for (int item = from; item < to; item++) {
            int b = item % out.blocks(), rowBlock = item / out.blocks();
            for (int row = p.rowStart(rowBlock); row < p.rowStart(rowBlock + 1); row++) {
                int n = row / out.h(), oy = row % out.h();
                for (int ox = 0; ox < out.w(); ox++) {
                    for (int l = 0; l < L; l++) {
                        float acc = p.bias[b * L + l];
                        for (int r = 0; r < R; r++) {
                            int iy = oy * p.strideH - p.padTop + r;
                            if (iy < 0 || iy >= in.h()) continue;
                            for (int s = 0; s < S; s++) {
                                int ix = ox * p.strideW - p.padLeft + s;
                                if (ix < 0 || ix >= in.w()) continue;
                                int xi = n * in.imageStride() + b * in.blockStride() + (iy * in.w() + ix) * L;
                                for (int j = 0; j < g; j++) {
                                    acc += x[xi + l - l % g + j] * p.weights[(((b * R + r) * S + s) * g + j) * L + l];
                                }
                            }
                        }
                        int yi = n * out.imageStride() + b * out.blockStride() + (oy * out.w() + ox) * L + l;
                        if (res != null) acc += res[yi];
                        y[yi] = p.relu ? Math.max(acc, 0f) : acc;
                    }
                }
            }
        }
    }

    /** One row at a time: these loops have no panels. */
    @Override
    public int panelRows() {
        return 1;
    }

    /** Per-thread buffers of {@link #winogradConv}, grown to the widest layer seen, then reused. */
    private static final class WinogradScratch {
        final float[] window = new float[WinogradF4x4.POSITIONS];
        final float[] tmp = new float[WinogradF4x4.POSITIONS];
        final float[] products = new float[WinogradF4x4.POSITIONS];
        final float[] tile = new float[WinogradF4x4.M * WinogradF4x4.M];
        float[] transformed = new float[0];
    }

    private static final ThreadLocal<WinogradScratch> WINOGRAD_SCRATCH = ThreadLocal.withInitial(WinogradScratch::new);

    /**
     * The same items as the vector kernel, one tile at a time: every input channel's 6x6 window (zero
     * outside the image) transformed to {@code V = B^T d B}, then per output channel the 36 dot
     * products {@code M_ξ = sum_c V_ξ[c] U_ξ[c, k]} over the packed weights, {@code Y = A^T M A} and
     * the epilogue on the tile's outputs inside the image.
     */
    @Override
    public void winogradConv(WinogradPlan p, float[] x, float[] y, float[] res, int zero, int from, int to) {
        Blocked in = p.in, out = p.out;
        int L = lanes, T = WinogradF4x4.T, M = WinogradF4x4.M, positions = WinogradF4x4.POSITIONS;
        WinogradScratch s = WINOGRAD_SCRATCH.get();
        if (s.transformed.length < in.c() * positions) s.transformed = new float[in.c() * positions];
        float[] v = s.transformed;
        for (int item = from; item < to; item++) {
            int tileBlock = item / p.columnBlocks, columnBlock = item % p.columnBlocks;
            int k0 = p.groupStart(columnBlock) * p.width;
            int k1 = Math.min(out.c(), p.groupStart(columnBlock + 1) * p.width);
            for (int t = p.tileStart(tileBlock); t < p.tileStart(tileBlock + 1); t++) {
                int n = t / (p.tilesH * p.tilesW), oy0 = t / p.tilesW % p.tilesH * M, ox0 = t % p.tilesW * M;
                for (int c = 0; c < in.c(); c++) {
                    int plane = n * in.imageStride() + c / L * in.blockStride() + c % L;
                    for (int r = 0; r < T; r++) {
                        for (int q = 0; q < T; q++) {
                            int iy = oy0 - p.padTop + r, ix = ox0 - p.padLeft + q;
                            boolean inside = iy >= 0 && iy < in.h() && ix >= 0 && ix < in.w();
                            s.window[r * T + q] = inside ? x[plane + (iy * in.w() + ix) * L] : 0f;
                        }
                    }
                    WinogradF4x4.transformInput(s.window, v, c * positions, s.tmp);
                }
                for (int k = k0; k < k1; k++) {
                    int g = k / p.width, j = k % p.width;
                    for (int xi = 0; xi < positions; xi++) {
                        float acc = 0;
                        for (int c = 0; c < in.c(); c++) {
                            acc += v[c * positions + xi] * p.weights[p.weightOffset(xi, g, c) + j];
                        }
                        s.products[xi] = acc;
                    }
                    WinogradF4x4.transformOutput(s.products, s.tile, s.tmp);
                    for (int a = 0; a < M && oy0 + a < out.h(); a++) {
                        for (int b = 0; b < M && ox0 + b < out.w(); b++) {
                            int yi = n * out.imageStride() + k / L * out.blockStride()
                                    + ((oy0 + a) * out.w() + ox0 + b) * L + k % L;
                            float acc = s.tile[a * M + b] + p.bias[k];
                            if (res != null) acc += res[yi];
                            y[yi] = p.relu ? Math.max(acc, 0f) : acc;
                        }
                    }
                }
            }
        }
    }

    @Override
    public void maxPool(PoolPlan p, float[] x, float[] y, int from, int to) {
        Blocked in = p.in(), out = p.out();
        int L = lanes;
        for (int item = from; item < to; item++) {
            int oy = item % out.h(), plane = item / out.h();
            int xb = plane * in.blockStride(), yb = plane * out.blockStride() + oy * out.w() * L;
            for (int ox = 0; ox < out.w(); ox++) {
                for (int l = 0; l < L; l++) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int r = 0; r < p.kernelH(); r++) {
                        int iy = oy * p.strideH() - p.padTop() + r;
                        if (iy < 0 || iy >= in.h()) continue;
                        for (int s = 0; s < p.kernelW(); s++) {
                            int ix = ox * p.strideW() - p.padLeft() + s;
                            if (ix < 0 || ix >= in.w()) continue;
                            float v = x[xb + (iy * in.w() + ix) * L + l];
                            if (v > m || Float.isNaN(v)) m = v;
                        }
                    }
                    y[yb + ox * L + l] = m;
                }
            }
        }
    }

    @Override
    public void globalAvgPool(Blocked in, float[] x, float[] y, int from, int to) {
        int L = lanes, spatial = in.spatial();
        for (int item = from; item < to; item++) {
            int cb = item % in.blocks(), n = item / in.blocks();
            int xb = item * in.blockStride();
            for (int l = 0; l < L && cb * L + l < in.c(); l++) {
                float sum = 0;
                for (int i = 0; i < spatial; i++) sum += x[xb + i * L + l];
                y[n * in.c() + cb * L + l] = sum / spatial;
            }
        }
    }

    @Override
    public void linear(LinearPlan p, float[] x, float[] y, int from, int to) {
        int L = p.lanes;
        for (int ob = from; ob < to; ob++) {
            for (int b = 0; b < p.batch; b++) {
                for (int l = 0; l < L && ob * L + l < p.out; l++) {
                    float acc = p.bias[ob * L + l];
                    for (int i = 0; i < p.in; i++) acc += x[b * p.in + i] * p.weights[(ob * p.in + i) * L + l];
                    y[b * p.out + ob * L + l] = p.relu ? Math.max(acc, 0f) : acc;
                }
            }
        }
    }

    @Override
    public void add(float[] a, float[] b, float[] y, int from, int to, boolean relu) {
        for (int i = from; i < to; i++) {
            float v = a[i] + b[i];
            y[i] = relu ? Math.max(v, 0f) : v;
        }
    }

    @Override
    public void affine(AffinePlan p, float[] x, float[] y, int from, int to) {
        Blocked g = p.geometry();
        int L = lanes;
        for (int item = from; item < to; item++) {
            int cb = item % g.blocks(), base = item * g.blockStride();
            for (int i = 0; i < g.spatial(); i++) {
                for (int l = 0; l < L; l++) {
                    float v = x[base + i * L + l] * p.scale()[cb * L + l] + p.shift()[cb * L + l];
                    y[base + i * L + l] = p.relu() ? Math.max(v, 0f) : v;
                }
            }
        }
    }

    @Override
    public void shortcutPad(PadPlan p, float[] x, float[] y, int from, int to) {
        p.computeLaneByLane(lanes, x, y, from, to);
    }

    @Override
    public void softmax(float[] x, float[] y, int k, int from, int to) {
        for (int row = from; row < to; row++) {
            int base = row * k;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < k; i++) max = Math.max(max, x[base + i]);
            float sum = 0;
            for (int i = 0; i < k; i++) {
                float e = (float) Math.exp(x[base + i] - max);
                y[base + i] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int i = 0; i < k; i++) y[base + i] *= inv;
        }
    }

    @Override
    public void toBlocked(float[] src, int srcOff, Blocked g, float[] dst, int from, int to) {
        int L = lanes, spatial = g.spatial();
        for (int item = from; item < to; item++) {
            int cb = item % g.blocks(), n = item / g.blocks();
            int db = item * g.blockStride();
            for (int l = 0; l < L; l++) {
                int c = cb * L + l;
                int sb = srcOff + (n * g.c() + c) * spatial;
                for (int i = 0; i < spatial; i++) dst[db + i * L + l] = c < g.c() ? src[sb + i] : 0f;
            }
        }
    }

    @Override
    public void toPlain(float[] src, Blocked g, float[] dst, int dstOff, int from, int to) {
        int L = lanes, spatial = g.spatial();
        for (int item = from; item < to; item++) {
            int cb = item % g.blocks(), n = item / g.blocks();
            int sb = item * g.blockStride();
            for (int l = 0; l < L && cb * L + l < g.c(); l++) {
                int db = dstOff + (n * g.c() + cb * L + l) * spatial;
                for (int i = 0; i < spatial; i++) dst[db + i] = src[sb + i * L + l];
            }
        }
    }
}
