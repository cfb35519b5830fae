package io.jresnet.reference;

import io.jresnet.backend.TrainingKernels.ConvGeometry;
import java.util.Arrays;

/**
 * Convolution for training as im2col + {@link Gemm}, over NCHW float arrays with square kernels,
 * symmetric zero padding and one stride. With {@code col(X)} the {@code [c*r*r, pixels]} matrix whose
 * column for output pixel {@code p} holds the input window that pixel reads:
 * <pre>
 *   forward          Y      = W · col(X)           W is [k, c*r*r], Y is [k, pixels]
 *   data gradient    col(dX) = Wᵀ · dY, then col2im (each window's values added back where they came from)
 *   weight gradient  dW    += dY · col(X)ᵀ
 * </pre>
 * The batch is split into one contiguous range of images per thread of the GEMM
 * ({@link Gemm#parallel}); each thread runs im2col, its own single-threaded GEMMs and
 * col2im on its images with its own scratch, so all of the work, not just the multiply, is spread
 * over the threads and they meet once per op. Within a range the images are taken in chunks of
 * {@code g} whose windows sit side by side in one {@code col} ({@code pixels = g * oh * ow}), {@code g}
 * chosen so small late-stage feature maps still give the GEMM about {@link #TARGET_COLUMNS} columns.
 * A chunk of one image multiplies straight into (or out of) the NCHW tensor, no copy. Each thread
 * adds its part of the weight gradient into its own buffer; the parts are summed at the end.
 *
 * <p>The slow, obvious twin is {@code ConvKernels} in the tests (direct loops), which hold this class to it.
 * Not thread-safe: the per-thread scratch is reused from call to call.
 */
final class GemmConv {
    /** Columns per GEMM call the chunking aims for: wide enough for a blocked GEMM, small enough to stay in cache. */
    static final int TARGET_COLUMNS = 1024;

    private final Gemm gemm;
    private final Gemm perThreadGemm;
    private final Workspace[] workspaces;

    /** One thread's scratch; contents undefined between uses. */
    static final class Workspace {
        private float[] columns = new float[0];
        private float[] rows = new float[0];
        private float[] weightGrad = new float[0];
        private float[] biasGrad = new float[0];

        /** The im2col buffer, at least {@code size} floats. */
        float[] columns(int size) {
            if (columns.length < size) columns = new float[size];
            return columns;
        }

        /** A chunk's outputs or output gradients as {@code [channels, pixels]} rows, at least {@code size} floats. */
        float[] rows(int size) {
            if (rows.length < size) rows = new float[size];
            return rows;
        }

        /** This thread's part of a weight gradient, cleared to {@code size} zeros. */
        float[] clearWeightGrad(int size) {
            if (weightGrad.length < size) weightGrad = new float[size];
            else Arrays.fill(weightGrad, 0, size, 0f);
            return weightGrad;
        }

        /** This thread's part of a bias gradient, cleared to {@code size} zeros. */
        float[] clearBiasGrad(int size) {
            if (biasGrad.length < size) biasGrad = new float[size];
            else Arrays.fill(biasGrad, 0, size, 0f);
            return biasGrad;
        }
    }

    GemmConv(Gemm gemm) {
        this.gemm = gemm;
        this.perThreadGemm = gemm.threads() == 1 ? gemm : gemm.singleThreaded();
        this.workspaces = new Workspace[Math.max(1, gemm.threads())];
        for (int i = 0; i < workspaces.length; i++) workspaces[i] = new Workspace();
    }

    /** Thread {@code worker}'s scratch. */
    Workspace workspace(int worker) {
        return workspaces[worker];
    }

    /** Runs {@code task} once per thread of the GEMM, shares at once; returns when all are done. */
    private void parallel(Gemm.Task task) {
        if (workspaces.length == 1) task.run(0, 1);
        else gemm.parallel(task);
    }

    /** Images per chunk for an {@code oh x ow} output. */
    static int chunk(int n, int oh, int ow) {
        int pixels = Math.max(1, oh * ow);
        return Math.max(1, Math.min(n, (TARGET_COLUMNS + pixels - 1) / pixels));
    }

    /**
     * {@code y[b,o,oy,ox] = bias[o] + sum_{c,ky,kx} w[o,c,ky,kx] * x[b,c,oy*s-p+ky, ox*s-p+kx]};
     * {@code y} ({@code [n, k, oh, ow]}) is overwritten; {@code bias} may be null.
     */
    void forward(ConvGeometry geometry, float[] x, int xOff, float[] wt, float[] bias, float[] y) {
        int n = geometry.n(), c = geometry.c(), h = geometry.h(), w = geometry.w(), k = geometry.k(), r = geometry.r();
        int stride = geometry.stride(), pad = geometry.pad(), oh = geometry.oh(), ow = geometry.ow();
        int taps = c * r * r, pixels = oh * ow;
        parallel((worker, workers) -> {
            int from = ReferenceTrainingKernels.from(n, worker, workers);
            int to = ReferenceTrainingKernels.from(n, worker + 1, workers);
            if (from == to) return;
            int g = chunk(to - from, oh, ow);
            Workspace ws = workspaces[worker];
            Gemm gemm = perThreadGemm;
            float[] cols = ws.columns(taps * g * pixels);
            for (int b0 = from; b0 < to; b0 += g) {
                int gn = Math.min(g, to - b0), width = gn * pixels;
                im2col(x, xOff, b0, gn, c, h, w, r, stride, pad, oh, ow, cols);
                if (gn == 1) { // the image's [k, pixels] block of y is the product itself
                    int at = b0 * k * pixels;
                    gemm.sgemm(false, false, k, width, taps, 1f, wt, 0, taps, cols, 0, width, 0f, y, at, width);
                    if (bias != null) {
                        for (int o = 0; o < k; o++) {
                            float bo = bias[o];
                            for (int p = at + o * pixels, end = p + pixels; p < end; p++) y[p] += bo;
                        }
                    }
                    continue;
                }
                float[] out = ws.rows(k * width);
                gemm.sgemm(false, false, k, width, taps, 1f, wt, 0, taps, cols, 0, width, 0f, out, 0, width);
                for (int i = 0; i < gn; i++) {
                    for (int o = 0; o < k; o++) {
                        int src = o * width + i * pixels, dst = ((b0 + i) * k + o) * pixels;
                        if (bias == null) {
                            System.arraycopy(out, src, y, dst, pixels);
                        } else {
                            float bo = bias[o];
                            for (int p = 0; p < pixels; p++) y[dst + p] = out[src + p] + bo;
                        }
                    }
                }
            }
        });
    }

    /**
     * Adds {@code dL/dw} into {@code dw} (if not null: a frozen weight has none), {@code sum dy} per
     * output channel into {@code dbias} (if not null) and {@code dL/dx} into {@code dx} (if not null),
     * given {@code dy} ({@code [n, k, oh, ow]}).
     */
    void backward(ConvGeometry geometry, float[] x, int xOff, float[] wt, float[] dy, float[] dx, float[] dw,
                  float[] dbias) {
        int n = geometry.n(), c = geometry.c(), h = geometry.h(), w = geometry.w(), k = geometry.k(), r = geometry.r();
        int stride = geometry.stride(), pad = geometry.pad(), oh = geometry.oh(), ow = geometry.ow();
        int taps = c * r * r, pixels = oh * ow;
        parallel((worker, workers) -> {
            int from = ReferenceTrainingKernels.from(n, worker, workers);
            int to = ReferenceTrainingKernels.from(n, worker + 1, workers);
            if (from == to) return;
            int g = chunk(to - from, oh, ow);
            Workspace ws = workspaces[worker];
            Gemm gemm = perThreadGemm;
            float[] cols = ws.columns(taps * g * pixels);
            float[] dwPart = ws.clearWeightGrad(k * taps), dbPart = dbias == null ? null : ws.clearBiasGrad(k);
            for (int b0 = from; b0 < to; b0 += g) {
                int gn = Math.min(g, to - b0), width = gn * pixels;
                float[] dyRows;
                int dyAt;
                if (gn == 1) { // the image's [k, pixels] block of dy is already the row matrix
                    dyRows = dy;
                    dyAt = b0 * k * pixels;
                } else {
                    dyRows = ws.rows(k * width);
                    dyAt = 0;
                    for (int i = 0; i < gn; i++) {
                        for (int o = 0; o < k; o++) {
                            System.arraycopy(dy, ((b0 + i) * k + o) * pixels, dyRows, o * width + i * pixels, pixels);
                        }
                    }
                }
                if (dbPart != null) {
                    for (int o = 0; o < k; o++) {
                        double s = 0;
                        for (int p = dyAt + o * width, end = p + width; p < end; p++) s += dyRows[p];
                        dbPart[o] += (float) s;
                    }
                }
                if (dw != null) {
                    im2col(x, xOff, b0, gn, c, h, w, r, stride, pad, oh, ow, cols);
                    gemm.sgemm(false, true, k, taps, width, 1f, dyRows, dyAt, width, cols, 0, width, 1f, dwPart, 0, taps);
                }
                if (dx != null) { // the columns are spent: reuse them for col(dX)
                    gemm.sgemm(true, false, taps, width, k, 1f, wt, 0, taps, dyRows, dyAt, width, 0f, cols, 0, width);
                    col2imAdd(cols, b0, gn, c, h, w, r, stride, pad, oh, ow, dx);
                }
            }
        });
        for (int t = 0; t < workspaces.length; t++) {
            if (from(n, t) == from(n, t + 1)) continue; // no images, nothing cleared or added
            Workspace ws = workspaces[t];
            if (dw != null) {
                float[] dwPart = ws.weightGrad;
                for (int i = 0; i < k * taps; i++) dw[i] += dwPart[i];
            }
            if (dbias != null) {
                float[] dbPart = ws.biasGrad;
                for (int o = 0; o < k; o++) dbias[o] += dbPart[o];
            }
        }
    }

    /**
     * {@code cols[(ci*r+ky)*r+kx][i*oh*ow + oy*ow + ox] = x[b0+i, ci, oy*s-p+ky, ox*s-p+kx]}, zero outside
     * the image. Row width is {@code gn*oh*ow}.
     */
    static void im2col(float[] x, int xOff, int b0, int gn, int c, int h, int w, int r, int stride, int pad, int oh,
                       int ow, float[] cols) {
        int pixels = oh * ow, width = gn * pixels;
        for (int ci = 0; ci < c; ci++) {
            for (int ky = 0; ky < r; ky++) {
                for (int kx = 0; kx < r; kx++) {
                    int row = ((ci * r + ky) * r + kx) * width;
                    // ox range whose ix = ox*s - p + kx lies inside [0, w)
                    int oxFrom = Math.min(ow, ceilDiv(Math.max(0, pad - kx), stride));
                    int oxTo = Math.max(oxFrom, Math.min(ow, ceilDiv(w + pad - kx, stride)));
                    for (int i = 0; i < gn; i++) {
                        int plane = xOff + ((b0 + i) * c + ci) * h * w;
                        for (int oy = 0; oy < oh; oy++) {
                            int dst = row + i * pixels + oy * ow, iy = oy * stride - pad + ky;
                            if (iy < 0 || iy >= h) {
                                for (int ox = 0; ox < ow; ox++) cols[dst + ox] = 0f;
                                continue;
                            }
                            for (int ox = 0; ox < oxFrom; ox++) cols[dst + ox] = 0f;
                            int src = plane + iy * w + oxFrom * stride - pad + kx;
                            if (stride == 1) {
                                System.arraycopy(x, src, cols, dst + oxFrom, oxTo - oxFrom);
                            } else {
                                for (int ox = oxFrom; ox < oxTo; ox++, src += stride) cols[dst + ox] = x[src];
                            }
                            for (int ox = oxTo; ox < ow; ox++) cols[dst + ox] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: adds every column entry back into {@code dx} where it was read from. */
    static void col2imAdd(float[] cols, int b0, int gn, int c, int h, int w, int r, int stride, int pad, int oh, int ow,
                          float[] dx) {
        int pixels = oh * ow, width = gn * pixels;
        for (int ci = 0; ci < c; ci++) {
            for (int ky = 0; ky < r; ky++) {
                for (int kx = 0; kx < r; kx++) {
                    int row = ((ci * r + ky) * r + kx) * width;
                    int oxFrom = Math.min(ow, ceilDiv(Math.max(0, pad - kx), stride));
                    int oxTo = Math.max(oxFrom, Math.min(ow, ceilDiv(w + pad - kx, stride)));
                    for (int i = 0; i < gn; i++) {
                        int plane = ((b0 + i) * c + ci) * h * w;
                        for (int oy = 0; oy < oh; oy++) {
                            int iy = oy * stride - pad + ky;
                            if (iy < 0 || iy >= h) continue;
                            int src = row + i * pixels + oy * ow, dst = plane + iy * w + oxFrom * stride - pad + kx;
                            if (stride == 1) {
                                for (int ox = oxFrom; ox < oxTo; ox++) dx[dst - oxFrom + ox] += cols[src + ox];
                            } else {
                                for (int ox = oxFrom; ox < oxTo; ox++, dst += stride) dx[dst] += cols[src + ox];
                            }
                        }
                    }
                }
            }
        }
    }

    /** Thread {@code t}'s first image of {@code n}. */
    private int from(int n, int t) {
        return ReferenceTrainingKernels.from(n, t, workspaces.length);
    }

    private static int ceilDiv(int a, int b) {
        return Math.floorDiv(a + b - 1, b);
    }
}
