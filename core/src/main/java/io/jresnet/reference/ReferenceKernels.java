package io.jresnet.reference;

/**
 * The numerical oracle: every op as the plainest loops over NCHW float arrays, written to be checked
 * by eye against the textbook formula. Accumulation is in double so the oracle's own rounding error
 * is far below any tolerance a fast backend is held to. Used by the {@code reference} backend and by
 * the eager forward pass of the network modules.
 */
public final class ReferenceKernels {
    private ReferenceKernels() {}

    /**
     * {@code y[n,k,oy,ox] = relu?(bias[k] + res[n,k,oy,ox] + sum_{c,r,s} x[n,c,oy*sh-pt+r, ox*sw-pl+s] * w[k,c,r,s])},
     * out-of-range input positions reading as zero. {@code res} may be null.
     */
    public static void conv2d(float[] x, int xOff, int n, int c, int h, int w,
                              float[] wt, int wOff, int k, int r, int s, float[] bias, int bOff,
                              int strideH, int strideW, int padTop, int padLeft,
                              float[] y, int yOff, int oh, int ow, float[] res, int resOff, boolean relu) {
        conv2d(x, xOff, n, c, h, w, wt, wOff, k, r, s, 1, bias, bOff, strideH, strideW, padTop, padLeft, y, yOff, oh, ow,
                res, resOff, relu);
    }

    /**
     * The convolution in {@code groups} groups: with {@code cg = c / groups} and {@code kg = k / groups},
     * output channel {@code o} is in group {@code g = o / kg} and {@code y[n,o,oy,ox] = relu?(bias[o] +
     * res[n,o,oy,ox] + sum_{ci < cg, r, s} x[n, g*cg + ci, oy*sh-pt+r, ox*sw-pl+s] * w[o,ci,r,s])};
     * {@code w} is {@code [k, cg, r, s]}.
     */
    public static void conv2d(float[] x, int xOff, int n, int c, int h, int w,
                              float[] wt, int wOff, int k, int r, int s, int groups, float[] bias, int bOff,
                              int strideH, int strideW, int padTop, int padLeft,
                              float[] y, int yOff, int oh, int ow, float[] res, int resOff, boolean relu) {
        int cg = c / groups, kg = k / groups;
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < k; o++) {
                int c0 = o / kg * cg;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = bias == null ? 0 : bias[bOff + o];
                        for (int ci = 0; ci < cg; ci++) {
                            for (int ky = 0; ky < r; ky++) {
                                int iy = oy * strideH - padTop + ky;
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < s; kx++) {
                                    int ix = ox * strideW - padLeft + kx;
                                    if (ix < 0 || ix >= w) continue;
                                    acc += (double) x[xOff + ((b * c + c0 + ci) * h + iy) * w + ix]
                                            * wt[wOff + ((o * cg + ci) * r + ky) * s + kx];
                                }
                            }
                        }
                        int yi = ((b * k + o) * oh + oy) * ow + ox;
                        if (res != null) acc += res[resOff + yi];
                        y[yOff + yi] = relu ? (float) Math.max(acc, 0) : (float) acc;
                    }
                }
            }
        }
    }

    /** {@code y = relu?(x * scale[c] + shift[c])} over {@code [n, c, spatial]}. */
    public static void affine(float[] x, int xOff, int n, int c, int spatial, float[] scale, int scaleOff,
                              float[] shift, int shiftOff, float[] y, int yOff, boolean relu) {
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (b * c + ch) * spatial;
                for (int i = 0; i < spatial; i++) {
                    float v = x[xOff + base + i] * scale[scaleOff + ch] + shift[shiftOff + ch];
                    y[yOff + base + i] = relu ? Math.max(v, 0f) : v;
                }
            }
        }
    }

    /** {@code y = relu?(a + b)} over {@code count} elements. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, int count, boolean relu) {
        for (int i = 0; i < count; i++) {
            float v = a[aOff + i] + b[bOff + i];
            y[yOff + i] = relu ? Math.max(v, 0f) : v;
        }
    }

    /** Max over each window; padded positions are skipped (they never win). */
    public static void maxPool(float[] x, int xOff, int n, int c, int h, int w, int kh, int kw, int sh, int sw,
                               int padTop, int padLeft, float[] y, int yOff, int oh, int ow) {
        for (int p = 0; p < n * c; p++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * sh - padTop + ky;
                        if (iy < 0 || iy >= h) continue;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ox * sw - padLeft + kx;
                            if (ix < 0 || ix >= w) continue;
                            float v = x[xOff + (p * h + iy) * w + ix];
                            // NaN propagates (as in torch), instead of being dropped by a comparison.
                            if (v > m || Float.isNaN(v)) m = v;
                        }
                    }
                    y[yOff + (p * oh + oy) * ow + ox] = m;
                }
            }
        }
    }

    /** {@code y[n, c] = mean over (h, w) of x[n, c, h, w]}. */
    public static void globalAvgPool(float[] x, int xOff, int n, int c, int spatial, float[] y, int yOff) {
        for (int p = 0; p < n * c; p++) {
            double sum = 0;
            for (int i = 0; i < spatial; i++) sum += x[xOff + p * spatial + i];
            y[yOff + p] = (float) (sum / spatial);
        }
    }

    /** {@code y[b, o] = relu?(bias[o] + sum_i x[b, i] * w[o, i])}. */
    public static void linear(float[] x, int xOff, int n, int in, float[] wt, int wOff, int out, float[] bias,
                              int bOff, float[] y, int yOff, boolean relu) {
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                double acc = bias == null ? 0 : bias[bOff + o];
                for (int i = 0; i < in; i++) acc += (double) x[xOff + b * in + i] * wt[wOff + o * in + i];
                y[yOff + b * out + o] = relu ? (float) Math.max(acc, 0) : (float) acc;
            }
        }
    }

    /**
     * Option-A shortcut with {@code before} zero channels first:
     * {@code y[n, k, oy, ox] = 0 <= k - before < c ? x[n, k - before, oy*stride, ox*stride] : 0}.
     */
    public static void shortcutPad(float[] x, int xOff, int n, int c, int h, int w, int stride, float[] y, int yOff,
                                   int k, int before, int oh, int ow) {
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < k; ch++) {
                int src = ch - before;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        y[yOff + ((b * k + ch) * oh + oy) * ow + ox] = src >= 0 && src < c
                                ? x[xOff + ((b * c + src) * h + oy * stride) * w + ox * stride] : 0f;
                    }
                }
            }
        }
    }

    /** Row-wise softmax over {@code [n, k]}, shifted by the row maximum so exp never overflows. */
    public static void softmax(float[] x, int xOff, int n, int k, float[] y, int yOff) {
        for (int b = 0; b < n; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < k; i++) max = Math.max(max, x[xOff + b * k + i]);
            double sum = 0;
            for (int i = 0; i < k; i++) sum += Math.exp(x[xOff + b * k + i] - max);
            for (int i = 0; i < k; i++) y[yOff + b * k + i] = (float) (Math.exp(x[xOff + b * k + i] - max) / sum);
        }
    }
}
