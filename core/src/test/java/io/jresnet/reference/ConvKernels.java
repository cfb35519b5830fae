package io.jresnet.reference;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Convolution forward, data gradient and weight gradient for training, in float32 over NCHW arrays
 * with square kernels, symmetric zero padding and one stride. No im2col: every loop is a direct
 * convolution over a zero-padded copy of one image's channels.
 *
 * <p>Stride 1, the common case, uses the "wide row" layout: with the input padded to
 * {@code hp x wp}, output pixel {@code (oy, ox)} reads input {@code (oy + ky) * wp + ox + kx}, so if
 * the output is also stored with row pitch {@code wp} one tap of the kernel is a single contiguous
 * loop {@code acc[j] += w * xPadded[j + ky * wp + kx]} over the whole image (the {@code wp - ow}
 * extra columns per row are computed and discarded). Long contiguous loops are what the JIT
 * auto-vectorises. Strided convolutions (two or three per ResNet) use plain per-row loops.
 *
 * <p>Work is split over batch items (forward, data gradient) or output channels (weight gradient),
 * so no two threads write the same element; parallel streams run it on the common pool.
 */
final class ConvKernels {
    private ConvKernels() {}

    /**
     * {@code y[b,o,oy,ox] = bias[o] + sum_{c,ky,kx} w[o,c,ky,kx] * x[b,c,oy*s-p+ky, ox*s-p+kx]}.
     * {@code y} ({@code [n, k, oh, ow]}) is overwritten; {@code bias} may be null.
     */
    static void forward(float[] x, int xOff, int n, int c, int h, int w, float[] wt, int k, int r, float[] bias,
                        int stride, int pad, float[] y, int oh, int ow) {
        int hp = h + 2 * pad, wp = w + 2 * pad;
        IntStream.range(0, n).parallel().forEach(b -> {
            float[] xp = padded(x, xOff + b * c * h * w, c, h, w, pad);
            float[] acc = new float[stride == 1 ? oh * wp : oh * ow];
            for (int o = 0; o < k; o++) {
                correlate(xp, c, hp, wp, wt, o, r, stride, oh, ow, bias == null ? 0f : bias[o], acc);
                int yBase = (b * k + o) * oh * ow;
                if (stride == 1) {
                    for (int oy = 0; oy < oh; oy++) System.arraycopy(acc, oy * wp, y, yBase + oy * ow, ow);
                } else {
                    System.arraycopy(acc, 0, y, yBase, oh * ow);
                }
            }
        });
    }

    /**
     * Adds {@code dL/dx} into {@code dx} ({@code [n, c, h, w]}) given {@code dy = dL/dy}
     * ({@code [n, k, oh, ow]}): {@code dx[b,c,iy,ix] += sum w[o,c,ky,kx] * dy[b,o,oy,ox]} over every
     * {@code (o, oy, ox, ky, kx)} with {@code iy = oy*s-p+ky, ix = ox*s-p+kx}.
     *
     * <p>For stride 1 this is the forward correlation of {@code dy}, zero-padded by {@code r-1}, with
     * the kernel transposed ({@code c <-> o}) and rotated by 180 degrees; it yields the gradient of the
     * padded input, whose interior is {@code dx}.
     */
    static void backwardData(float[] dy, int n, int k, int oh, int ow, float[] wt, int c, int r, int stride, int pad,
                             float[] dx, int h, int w) {
        int hp = h + 2 * pad, wp = w + 2 * pad;
        float[] rotated = stride == 1 ? transposeRotate(wt, k, c, r) : null;
        IntStream.range(0, n).parallel().forEach(b -> {
            float[] dxp = new float[c * hp * wp];
            int dyBase = b * k * oh * ow;
            if (stride == 1) {
                int q = r - 1, dh = oh + 2 * q, dw = ow + 2 * q; // dh == hp, dw - r + 1 == wp
                float[] dyp = padded(dy, dyBase, k, oh, ow, q);
                float[] acc = new float[hp * dw];
                for (int ci = 0; ci < c; ci++) {
                    correlate(dyp, k, dh, dw, rotated, ci, r, 1, hp, wp, 0f, acc);
                    for (int iy = 0; iy < hp; iy++) System.arraycopy(acc, iy * dw, dxp, (ci * hp + iy) * wp, wp);
                }
            } else {
                for (int o = 0; o < k; o++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int ky = 0; ky < r; ky++) {
                            for (int kx = 0; kx < r; kx++) {
                                float wv = wt[((o * c + ci) * r + ky) * r + kx];
                                for (int oy = 0; oy < oh; oy++) {
                                    int dst = (ci * hp + oy * stride + ky) * wp + kx, src = dyBase + (o * oh + oy) * ow;
                                    for (int ox = 0; ox < ow; ox++) dxp[dst + ox * stride] += wv * dy[src + ox];
                                }
                            }
                        }
                    }
                }
            }
            int dxBase = b * c * h * w;
            for (int ci = 0; ci < c; ci++) {
                for (int iy = 0; iy < h; iy++) {
                    int src = (ci * hp + iy + pad) * wp + pad, dst = dxBase + (ci * h + iy) * w;
                    for (int ix = 0; ix < w; ix++) dx[dst + ix] += dxp[src + ix];
                }
            }
        });
    }

    /**
     * Adds {@code dL/dw[o,c,ky,kx] = sum_{b,oy,ox} dy[b,o,oy,ox] * x[b,c,oy*s-p+ky, ox*s-p+kx]} into
     * {@code dw} and, if {@code dbias} is not null, {@code sum_{b,oy,ox} dy[b,o,oy,ox]} into it.
     *
     * <p>For stride 1 each tap's products are accumulated element-wise over the batch in a float
     * row of the image's size (a vectorisable multiply-add) and summed once at the end in double,
     * instead of running a long scalar dot product per tap and item.
     */
    static void backwardWeight(float[] x, int xOff, int n, int c, int h, int w, float[] dy, int k, int oh, int ow,
                               int r, int stride, int pad, float[] dw, float[] dbias) {
        int hp = h + 2 * pad, wp = w + 2 * pad, plane = hp * wp;
        float[][] xp = new float[n][];
        IntStream.range(0, n).parallel().forEach(b -> xp[b] = padded(x, xOff + b * c * h * w, c, h, w, pad));
        int len = (oh - 1) * wp + ow;
        IntStream.range(0, k).parallel().forEach(o -> {
            if (dbias != null) {
                double s = 0;
                for (int b = 0; b < n; b++) {
                    int base = (b * k + o) * oh * ow;
                    for (int i = 0; i < oh * ow; i++) s += dy[base + i];
                }
                dbias[o] += (float) s;
            }
            if (stride == 1) {
                float[][] dyWide = new float[n][oh * wp]; // dy with row pitch wp; the extra columns stay zero
                for (int b = 0; b < n; b++) {
                    for (int oy = 0; oy < oh; oy++) System.arraycopy(dy, ((b * k + o) * oh + oy) * ow, dyWide[b], oy * wp, ow);
                }
                float[] acc = new float[len];
                for (int ci = 0; ci < c; ci++) {
                    for (int ky = 0; ky < r; ky++) {
                        for (int kx = 0; kx < r; kx++) {
                            Arrays.fill(acc, 0f);
                            int shift = ci * plane + ky * wp + kx;
                            for (int b = 0; b < n; b++) {
                                float[] g = dyWide[b], xb = xp[b];
                                for (int j = 0; j < len; j++) acc[j] += g[j] * xb[shift + j];
                            }
                            double s = 0;
                            for (int j = 0; j < len; j++) s += acc[j];
                            dw[((o * c + ci) * r + ky) * r + kx] += (float) s;
                        }
                    }
                }
            } else {
                for (int ci = 0; ci < c; ci++) {
                    for (int ky = 0; ky < r; ky++) {
                        for (int kx = 0; kx < r; kx++) {
                            double s = 0;
                            for (int b = 0; b < n; b++) {
                                float[] xb = xp[b];
                                for (int oy = 0; oy < oh; oy++) {
                                    int src = (ci * hp + oy * stride + ky) * wp + kx, g = ((b * k + o) * oh + oy) * ow;
                                    float row = 0f;
                                    for (int ox = 0; ox < ow; ox++) row += dy[g + ox] * xb[src + ox * stride];
                                    s += row;
                                }
                            }
                            dw[((o * c + ci) * r + ky) * r + kx] += (float) s;
                        }
                    }
                }
            }
        });
    }

    /**
     * One output channel {@code o} of a correlation of the padded image {@code xp} ({@code [c, hp, wp]})
     * with {@code wt} ({@code [*, c, r, r]}), written to {@code acc} starting from {@code init}. Stride 1
     * leaves the result with row pitch {@code wp}; other strides with row pitch {@code ow}.
     */
    private static void correlate(float[] xp, int c, int hp, int wp, float[] wt, int o, int r, int stride, int oh,
                                  int ow, float init, float[] acc) {
        Arrays.fill(acc, init);
        int plane = hp * wp;
        if (stride == 1) {
            int len = (oh - 1) * wp + ow; // the last row's extra columns would read past the image
            for (int ci = 0; ci < c; ci++) {
                int wBase = (o * c + ci) * r * r;
                for (int ky = 0; ky < r; ky++) {
                    int row = ci * plane + ky * wp;
                    if (r == 3) { // three taps per pass: a third of the loads and stores of acc
                        float w0 = wt[wBase + ky * 3], w1 = wt[wBase + ky * 3 + 1], w2 = wt[wBase + ky * 3 + 2];
                        for (int j = 0; j < len; j++) {
                            acc[j] += w0 * xp[row + j] + w1 * xp[row + 1 + j] + w2 * xp[row + 2 + j];
                        }
                    } else {
                        for (int kx = 0; kx < r; kx++) {
                            float wv = wt[wBase + ky * r + kx];
                            int src = row + kx;
                            for (int j = 0; j < len; j++) acc[j] += wv * xp[src + j];
                        }
                    }
                }
            }
        } else {
            for (int ci = 0; ci < c; ci++) {
                for (int ky = 0; ky < r; ky++) {
                    for (int kx = 0; kx < r; kx++) {
                        float wv = wt[((o * c + ci) * r + ky) * r + kx];
                        for (int oy = 0; oy < oh; oy++) {
                            int src = ci * plane + (oy * stride + ky) * wp + kx, dst = oy * ow;
                            for (int ox = 0; ox < ow; ox++) acc[dst + ox] += wv * xp[src + ox * stride];
                        }
                    }
                }
            }
        }
    }

    /** A copy of {@code c} planes of {@code h x w} with a border of {@code pad} zeros. */
    private static float[] padded(float[] x, int off, int c, int h, int w, int pad) {
        int hp = h + 2 * pad, wp = w + 2 * pad;
        float[] xp = new float[c * hp * wp];
        for (int ci = 0; ci < c; ci++) {
            for (int iy = 0; iy < h; iy++) System.arraycopy(x, off + (ci * h + iy) * w, xp, (ci * hp + iy + pad) * wp + pad, w);
        }
        return xp;
    }

    /** {@code [k, c, r, r] -> [c, k, r, r]} with each kernel rotated by 180 degrees. */
    private static float[] transposeRotate(float[] wt, int k, int c, int r) {
        float[] t = new float[wt.length];
        for (int o = 0; o < k; o++) {
            for (int ci = 0; ci < c; ci++) {
                for (int i = 0; i < r * r; i++) t[(ci * k + o) * r * r + i] = wt[(o * c + ci) * r * r + r * r - 1 - i];
            }
        }
        return t;
    }
}
