package io.jresnet.reference;

import io.jresnet.backend.TrainingKernels;
import java.util.Arrays;

/**
 * The scalar training kernels: plain loops, simple enough to check by eye, and convolution as im2col
 * + {@link Gemm} ({@link GemmConv}). The reference backend runs them on the scalar {@link ReferenceGemm}
 * (one thread); a faster backend passes its own GEMM, whose threads the loops here are split over
 * ({@link #forRanges}), and overrides the kernels it has faster versions of (the cpu backend: batch
 * norm and the element-wise loops in the Vector API). Backends without training kernels of their own
 * (the GPU ones) use this on the scalar GEMM and say so in the description.
 *
 * <p>Accumulation: reductions sum in float within a plane and in double across planes. Not
 * thread-safe (per-thread convolution scratch); one instance per training context.
 */
public class ReferenceTrainingKernels implements TrainingKernels {
    /** Below this many elements (times a per-item cost) a loop runs on the caller: the hand-off would cost more. */
    static final int PARALLEL_ELEMENTS = 1 << 14;

    private final Gemm gemm;
    private final String description;
    private final GemmConv conv;

    /** On the scalar reference GEMM, one thread. */
    public ReferenceTrainingKernels() {
        this(ReferenceGemm.INSTANCE);
    }

    /** Loops split over {@code gemm}'s threads; convolutions multiply on it. */
    public ReferenceTrainingKernels(Gemm gemm) {
        this(gemm, gemm.description());
    }

    protected ReferenceTrainingKernels(Gemm gemm, String description) {
        if (gemm == null) throw new IllegalArgumentException("gemm is null");
        this.gemm = gemm;
        this.description = description;
        this.conv = new GemmConv(gemm);
    }

    @Override
    public String description() {
        return description;
    }

    /** The GEMM convolutions multiply on, whose threads the loops are split over. */
    public final Gemm gemm() {
        return gemm;
    }

    /** A loop over {@code [from, to)}. */
    @FunctionalInterface
    protected interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over {@code [0, total)} split into one contiguous range per thread of the GEMM,
     * or on the caller in one range when {@code total * costPerItem} is below {@link #PARALLEL_ELEMENTS}.
     */
    protected final void forRanges(int total, int costPerItem, RangeBody body) {
        if (gemm.threads() == 1 || (long) total * costPerItem < PARALLEL_ELEMENTS) {
            body.run(0, total);
            return;
        }
        gemm.parallel((worker, workers) -> body.run(from(total, worker, workers), from(total, worker + 1, workers)));
    }

    /** Share {@code worker}'s first item of {@code total} split over {@code workers}. */
    static int from(int total, int worker, int workers) {
        return (int) ((long) total * worker / workers);
    }

    @Override
    public void conv(ConvGeometry g, float[] x, int xOff, float[] w, float[] bias, float[] y) {
        conv.forward(g, x, xOff, w, bias, y);
    }

    @Override
    public void convBackward(ConvGeometry g, float[] x, int xOff, float[] w, float[] dy, float[] dx, float[] dw,
                             float[] dbias) {
        conv.backward(g, x, xOff, w, dy, dx, dw, dbias);
    }

    /** The convolution's scratch buffers (for tests that check they are reused). */
    final GemmConv convolution() {
        return conv;
    }

    @Override
    public void batchNorm(float[] x, int xOff, int n, int c, int spatial, float[] gamma, float[] beta, float eps,
                          float[] y, double[] mean, double[] variance, double[] istd) {
        double count = (double) n * spatial;
        forRanges(c, n * spatial, (chFrom, chTo) -> {
            for (int ch = chFrom; ch < chTo; ch++) {
                double s = 0, ss = 0;
                for (int b = 0; b < n; b++) { // float partial sums per plane, double across planes
                    int base = xOff + (b * c + ch) * spatial;
                    float ps = 0f;
                    for (int i = 0; i < spatial; i++) ps += x[base + i];
                    s += ps;
                }
                double m = s / count;
                float fm = (float) m;
                for (int b = 0; b < n; b++) { // two passes: no cancellation in E[x^2] - m^2
                    int base = xOff + (b * c + ch) * spatial;
                    float pss = 0f;
                    for (int i = 0; i < spatial; i++) {
                        float d = x[base + i] - fm;
                        pss += d * d;
                    }
                    ss += pss;
                }
                double v = ss / count;
                mean[ch] = m;
                variance[ch] = v;
                istd[ch] = 1.0 / Math.sqrt((float) v + (double) eps);
                float scale = (float) (gamma[ch] * istd[ch]), shift = (float) (beta[ch] - m * scale);
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * spatial;
                    for (int i = 0; i < spatial; i++) y[base + i] = x[xOff + base + i] * scale + shift;
                }
            }
        });
    }

    @Override
    public void channelAffine(float[] x, int xOff, int n, int c, int spatial, float[] scale, float[] shift, float[] y) {
        forRanges(c, n * spatial, (chFrom, chTo) -> {
            for (int ch = chFrom; ch < chTo; ch++) {
                float a = scale[ch], b0 = shift[ch];
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * spatial;
                    for (int i = 0; i < spatial; i++) y[base + i] = x[xOff + base + i] * a + b0;
                }
            }
        });
    }

    @Override
    public void batchNormBackward(float[] x, int xOff, int n, int c, int spatial, float[] gamma, double[] mean,
                                  double[] istd, boolean batchStatistics, float[] dy, float[] dx, float[] dGamma,
                                  float[] dBeta) {
        double count = (double) n * spatial;
        forRanges(c, n * spatial, (chFrom, chTo) -> {
            float[] coefficients = new float[3];
            for (int ch = chFrom; ch < chTo; ch++) {
                double m = mean[ch], is = istd[ch], sumDy = 0, sumDyCentred = 0;
                float fm = (float) m;
                for (int b = 0; b < n; b++) { // float partial sums per plane, double across planes
                    int base = (b * c + ch) * spatial;
                    float pDy = 0f, pDyCentred = 0f;
                    for (int i = 0; i < spatial; i++) {
                        float g = dy[base + i];
                        pDy += g;
                        pDyCentred += g * (x[xOff + base + i] - fm);
                    }
                    sumDy += pDy;
                    sumDyCentred += pDyCentred;
                }
                if (!addBatchNormGradient(ch, sumDy, sumDyCentred, m, is, gamma[ch], count, batchStatistics, dGamma,
                        dBeta, dx != null, coefficients)) {
                    continue;
                }
                float a = coefficients[0], bx = coefficients[1], c0 = coefficients[2];
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * spatial;
                    if (!batchStatistics) {
                        for (int i = 0; i < spatial; i++) dx[base + i] += a * dy[base + i];
                        continue;
                    }
                    for (int i = 0; i < spatial; i++) dx[base + i] += a * dy[base + i] + bx * x[xOff + base + i] + c0;
                }
            }
        });
    }

    /**
     * Batch norm's backward for channel {@code ch} given its sums {@code sum dy} and {@code sum dy * (x -
     * mean)}: adds {@code dgamma} and {@code dbeta}, and when {@code wantDx} writes the coefficients of
     * {@code dx += a * dy + bx * x + c0} into {@code coefficients} (with batch statistics {@code dx =
     * scale * (dy - sumDy/M - xhat * sumDyXhat/M)}, {@code xhat = (x - mean) * istd}, {@code scale = gamma
     * * istd}; with fixed statistics {@code bx = c0 = 0}). Returns {@code wantDx}.
     */
    protected static boolean addBatchNormGradient(int ch, double sumDy, double sumDyCentred, double mean, double istd,
                                                  float gamma, double count, boolean batchStatistics, float[] dGamma,
                                                  float[] dBeta, boolean wantDx, float[] coefficients) {
        double sumDyXhat = sumDyCentred * istd;
        if (dGamma != null) dGamma[ch] += (float) sumDyXhat;
        if (dBeta != null) dBeta[ch] += (float) sumDy;
        if (!wantDx) return false;
        double scale = gamma * istd;
        coefficients[0] = (float) scale;
        coefficients[1] = batchStatistics ? (float) (-scale * istd * sumDyXhat / count) : 0f;
        coefficients[2] = batchStatistics ? (float) (scale * (-sumDy / count + mean * istd * sumDyXhat / count)) : 0f;
        return true;
    }

    @Override
    public void relu(float[] x, int xOff, float[] y, int size) {
        forRanges(size, 1, (from, to) -> {
            for (int i = from; i < to; i++) y[i] = Math.max(x[xOff + i], 0f);
        });
    }

    @Override
    public void reluBackward(float[] y, float[] dy, float[] dx, int size) {
        forRanges(size, 1, (from, to) -> {
            for (int i = from; i < to; i++) dx[i] += y[i] > 0f ? dy[i] : 0f;
        });
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] y, int size) {
        forRanges(size, 1, (from, to) -> {
            for (int i = from; i < to; i++) y[i] = a[aOff + i] + b[bOff + i];
        });
    }

    @Override
    public void accumulate(float[] dy, float[] dx, int size) {
        forRanges(size, 1, (from, to) -> {
            for (int i = from; i < to; i++) dx[i] += dy[i];
        });
    }

    @Override
    public void zero(float[] a, int size) {
        forRanges(size, 1, (from, to) -> Arrays.fill(a, from, to, 0f));
    }

    @Override
    public void maxPool(float[] x, int xOff, int planes, int h, int w, int kernel, int stride, int pad, float[] y,
                        int oh, int ow, int[] argmax) {
        for (int p = 0; p < planes; p++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    float m = Float.NEGATIVE_INFINITY;
                    int at = -1;
                    for (int ky = 0; ky < kernel; ky++) {
                        int iy = oy * stride - pad + ky;
                        if (iy < 0 || iy >= h) continue;
                        for (int kx = 0; kx < kernel; kx++) {
                            int ix = ox * stride - pad + kx;
                            if (ix < 0 || ix >= w) continue;
                            int i = (p * h + iy) * w + ix;
                            float v = x[xOff + i];
                            if (at < 0 || v > m || (Float.isNaN(v) && !Float.isNaN(m))) {
                                m = v;
                                at = i;
                            }
                        }
                    }
                    int o = (p * oh + oy) * ow + ox;
                    y[o] = m;
                    argmax[o] = at;
                }
            }
        }
    }

    @Override
    public void maxPoolBackward(int[] argmax, float[] dy, float[] dx, int size) {
        for (int o = 0; o < size; o++) if (argmax[o] >= 0) dx[argmax[o]] += dy[o];
    }

    @Override
    public void globalAvgPool(float[] x, int xOff, int planes, int spatial, float[] y) {
        ReferenceKernels.globalAvgPool(x, xOff, 1, planes, spatial, y, 0);
    }

    @Override
    public void globalAvgPoolBackward(float[] dy, int planes, int spatial, float[] dx) {
        for (int p = 0; p < planes; p++) {
            float g = dy[p] / spatial;
            for (int i = 0; i < spatial; i++) dx[p * spatial + i] += g;
        }
    }

    @Override
    public void shortcutPad(float[] x, int xOff, int n, int c, int h, int w, int stride, float[] y, int outChannels,
                            int before, int oh, int ow) {
        ReferenceKernels.shortcutPad(x, xOff, n, c, h, w, stride, y, 0, outChannels, before, oh, ow);
    }

    @Override
    public void shortcutPadBackward(float[] dy, int n, int c, int h, int w, int stride, int outChannels, int before,
                                    int oh, int ow, float[] dx) {
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < Math.min(c, outChannels - before); ch++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        dx[((b * c + ch) * h + oy * stride) * w + ox * stride] +=
                                dy[((b * outChannels + ch + before) * oh + oy) * ow + ox];
                    }
                }
            }
        }
    }

    @Override
    public void linear(float[] x, int xOff, int n, int in, float[] w, int out, float[] bias, float[] y) {
        ReferenceKernels.linear(x, xOff, n, in, w, 0, out, bias, 0, y, 0, false);
    }

    @Override
    public void linearBackward(float[] x, int xOff, int n, int in, float[] w, int out, float[] dy, float[] dx,
                               float[] dw, float[] dbias) {
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                float g = dy[b * out + o];
                for (int i = 0; i < in; i++) {
                    if (dw != null) dw[o * in + i] += g * x[xOff + b * in + i];
                    if (dx != null) dx[b * in + i] += g * w[o * in + i];
                }
            }
        }
        if (dbias != null) {
            for (int b = 0; b < n; b++) for (int o = 0; o < out; o++) dbias[o] += dy[b * out + o];
        }
    }

    @Override
    public double softmaxCrossEntropy(float[] z, int zOff, int n, int k, int[] labels, double[] logSumExp) {
        double total = 0;
        for (int b = 0; b < n; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < k; i++) max = Math.max(max, z[zOff + b * k + i]);
            double sum = 0;
            for (int i = 0; i < k; i++) sum += Math.exp(z[zOff + b * k + i] - max);
            logSumExp[b] = max + Math.log(sum);
            total += logSumExp[b] - z[zOff + b * k + labels[b]];
        }
        return total;
    }

    @Override
    public void softmaxCrossEntropyBackward(float[] z, int zOff, int n, int k, int[] labels, double[] logSumExp,
                                            double scale, float[] dz) {
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < k; i++) {
                double p = Math.exp(z[zOff + b * k + i] - logSumExp[b]);
                dz[b * k + i] += (float) (scale * (p - (i == labels[b] ? 1 : 0)));
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + description + "]";
    }
}
