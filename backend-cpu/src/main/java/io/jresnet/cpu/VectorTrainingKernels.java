package io.jresnet.cpu;

import io.jresnet.backend.TrainingKernels.ConvGeometry;
import io.jresnet.reference.ReferenceTrainingKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The cpu backend's training kernels: 3x3 stride-1 convolutions on bordered planes
 * ({@link BorderedPlaneConv}), the other convolutions as im2col + {@link VectorGemm} (inherited, on
 * the GEMM's pool), and batch norm and the element-wise ops as Vector API loops split over the same
 * threads. The small ops (max pool, the option-A shortcut, the classifier, the loss) stay the
 * reference's scalar loops: they are a fraction of a percent of a step.
 *
 * <p>Reductions keep the reference's structure (float sums within a plane, double across planes) but
 * sum a plane in lanes, so results differ from the reference by float rounding only; the tests hold
 * them to it on odd sizes.
 */
final class VectorTrainingKernels extends ReferenceTrainingKernels {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;

    /** The 3x3 stride-1 convolutions' kernels, or null to run every convolution as im2col + GEMM. */
    private final BorderedPlaneConv bordered;

    /** The forward pass and input gradient of 3x3 stride-1 convolutions with 32+ channels, or null to leave them on {@link #bordered}. */
    private final WinogradTrainingConv winograd;

    VectorTrainingKernels(VectorGemm gemm) {
        this(gemm, true, true);
    }

    /** With {@code bordered} false, every convolution is im2col + GEMM (the signature {@code KernelAB} calls on older builds too). */
    VectorTrainingKernels(VectorGemm gemm, boolean bordered) {
        this(gemm, bordered, true);
    }

    /**
     * With {@code bordered} false, every convolution is im2col + GEMM: the baseline for measuring the
     * bordered kernels; with {@code winograd} false, no convolution runs on Winograd.
     */
    VectorTrainingKernels(VectorGemm gemm, boolean bordered, boolean winograd) {
        super(gemm);
        this.bordered = bordered ? new BorderedPlaneConv(gemm) : null;
        this.winograd = bordered && winograd ? new WinogradTrainingConv(gemm) : null;
    }

    /**
     * 3x3 stride-1 convolutions on Winograd where they have 32+ channels ({@link WinogradTrainingConv}),
     * else on bordered planes ({@link BorderedPlaneConv}); the others as im2col + GEMM.
     */
    @Override
    public void conv(ConvGeometry g, float[] x, int xOff, float[] w, float[] bias, float[] y) {
        if (winograd != null && WinogradTrainingConv.handles(g)) winograd.forward(g, x, xOff, w, bias, y);
        else if (bordered != null && BorderedPlaneConv.handles(g)) bordered.forward(g, x, xOff, w, bias, y);
        else super.conv(g, x, xOff, w, bias, y);
    }

    @Override
    public void convBackward(ConvGeometry g, float[] x, int xOff, float[] w, float[] dy, float[] dx, float[] dw,
                             float[] dbias) {
        if (bordered == null || !BorderedPlaneConv.handles(g)) {
            super.convBackward(g, x, xOff, w, dy, dx, dw, dbias);
        } else if (winograd != null && WinogradTrainingConv.handles(g)) {
            winograd.backward(g, x, xOff, w, dy, dx, dw, dbias);
        } else if (g.h() * g.w() >= BorderedPlaneConv.MIN_WEIGHT_GRADIENT_PIXELS) {
            bordered.backward(g, x, xOff, w, dy, dx, dw, dbias);
        } else { // small planes: the border is too large a share of the weight gradient's sweep
            bordered.backward(g, x, xOff, w, dy, dx, null, null);
            super.convBackward(g, x, xOff, w, dy, null, dw, dbias);
        }
    }

    @Override
    public void batchNorm(float[] x, int xOff, int n, int c, int spatial, float[] gamma, float[] beta, float eps,
                          float[] y, double[] mean, double[] variance, double[] istd) {
        batchNorm(x, xOff, n, c, spatial, gamma, beta, eps, y, mean, variance, istd, false);
    }

    /** The ReLU applied as each plane is written: one pass over {@code y}, not two. */
    @Override
    public void batchNormRelu(float[] x, int xOff, int n, int c, int spatial, float[] gamma, float[] beta, float eps,
                              float[] y, double[] mean, double[] variance, double[] istd) {
        batchNorm(x, xOff, n, c, spatial, gamma, beta, eps, y, mean, variance, istd, true);
    }

    private void batchNorm(float[] x, int xOff, int n, int c, int spatial, float[] gamma, float[] beta, float eps,
                           float[] y, double[] mean, double[] variance, double[] istd, boolean relu) {
        double count = (double) n * spatial;
        forRanges(c, n * spatial, (chFrom, chTo) -> {
            float[] lanes = CpuSpecies.lanes();
            for (int ch = chFrom; ch < chTo; ch++) {
                double s = 0, ss = 0;
                for (int b = 0; b < n; b++) s += sum(x, xOff + (b * c + ch) * spatial, spatial, lanes);
                double m = s / count;
                float fm = (float) m;
                for (int b = 0; b < n; b++) {
                    ss += sumSquaredDeviation(x, xOff + (b * c + ch) * spatial, spatial, fm, lanes);
                }
                double v = ss / count;
                mean[ch] = m;
                variance[ch] = v;
                istd[ch] = 1.0 / Math.sqrt((float) v + (double) eps);
                float scale = (float) (gamma[ch] * istd[ch]), shift = (float) (beta[ch] - m * scale);
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * spatial;
                    affine(x, xOff + base, y, base, spatial, scale, shift, relu);
                }
            }
        });
    }

    @Override
    public void channelAffine(float[] x, int xOff, int n, int c, int spatial, float[] scale, float[] shift, float[] y) {
        forRanges(c, n * spatial, (chFrom, chTo) -> {
            for (int ch = chFrom; ch < chTo; ch++) {
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * spatial;
                    affine(x, xOff + base, y, base, spatial, scale[ch], shift[ch], false);
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
            double[] sums = new double[2];
            float[] coefficients = new float[3], lanes = CpuSpecies.lanes();
            for (int ch = chFrom; ch < chTo; ch++) {
                double m = mean[ch], is = istd[ch];
                sums[0] = 0;
                sums[1] = 0;
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * spatial;
                    addGradientSums(dy, base, x, xOff + base, spatial, (float) m, sums, lanes);
                }
                if (!addBatchNormGradient(ch, sums[0], sums[1], m, is, gamma[ch], count, batchStatistics, dGamma, dBeta,
                        dx != null, coefficients)) {
                    continue;
                }
                float a = coefficients[0], bx = coefficients[1], c0 = coefficients[2];
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * spatial;
                    if (batchStatistics) addAffineGradient(dy, x, xOff + base, dx, base, spatial, a, bx, c0);
                    else addScaled(dy, dx, base, spatial, a);
                }
            }
        });
    }

    @Override
    public void relu(float[] x, int xOff, float[] y, int size) {
        forRanges(size, 1, (from, to) -> {
            int i = from, bound = from + F.loopBound(to - from);
            for (; i < bound; i += F.length()) FloatVector.fromArray(F, x, xOff + i).max(0f).intoArray(y, i);
            for (; i < to; i++) y[i] = Math.max(x[xOff + i], 0f);
        });
    }

    @Override
    public void reluBackward(float[] y, float[] dy, float[] dx, int size) {
        forRanges(size, 1, (from, to) -> {
            int i = from, bound = from + F.loopBound(to - from);
            for (; i < bound; i += F.length()) {
                VectorMask<Float> open = FloatVector.fromArray(F, y, i).compare(VectorOperators.GT, 0f);
                FloatVector.fromArray(F, dx, i).add(FloatVector.fromArray(F, dy, i), open).intoArray(dx, i);
            }
            for (; i < to; i++) dx[i] += y[i] > 0f ? dy[i] : 0f;
        });
    }

    @Override
    public void reluMask(float[] y, float[] dy, int size) {
        forRanges(size, 1, (from, to) -> {
            int i = from, bound = from + F.loopBound(to - from);
            for (; i < bound; i += F.length()) {
                VectorMask<Float> shut = FloatVector.fromArray(F, y, i).compare(VectorOperators.GT, 0f).not();
                FloatVector.fromArray(F, dy, i).blend(0f, shut).intoArray(dy, i);
            }
            for (; i < to; i++) if (!(y[i] > 0f)) dy[i] = 0f;
        });
    }

    @Override
    public void addRelu(float[] a, int aOff, float[] b, int bOff, float[] y, int size) {
        forRanges(size, 1, (from, to) -> {
            int i = from, bound = from + F.loopBound(to - from);
            for (; i < bound; i += F.length()) {
                FloatVector sum = FloatVector.fromArray(F, a, aOff + i).add(FloatVector.fromArray(F, b, bOff + i));
                sum.max(0f).intoArray(y, i);
            }
            for (; i < to; i++) y[i] = Math.max(a[aOff + i] + b[bOff + i], 0f);
        });
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] y, int size) {
        forRanges(size, 1, (from, to) -> {
            int i = from, bound = from + F.loopBound(to - from);
            for (; i < bound; i += F.length()) {
                FloatVector.fromArray(F, a, aOff + i).add(FloatVector.fromArray(F, b, bOff + i)).intoArray(y, i);
            }
            for (; i < to; i++) y[i] = a[aOff + i] + b[bOff + i];
        });
    }

    @Override
    public void accumulate(float[] dy, float[] dx, int size) {
        forRanges(size, 1, (from, to) -> addScaled(dy, dx, from, to - from, 1f));
    }

    @Override
    public void globalAvgPool(float[] x, int xOff, int planes, int spatial, float[] y) {
        forRanges(planes, spatial, (from, to) -> {
            float[] lanes = CpuSpecies.lanes();
            for (int p = from; p < to; p++) y[p] = sum(x, xOff + p * spatial, spatial, lanes) / spatial;
        });
    }

    @Override
    public void globalAvgPoolBackward(float[] dy, int planes, int spatial, float[] dx) {
        forRanges(planes, spatial, (from, to) -> {
            for (int p = from; p < to; p++) {
                FloatVector g = FloatVector.broadcast(F, dy[p] / spatial);
                int base = p * spatial, i = 0, bound = F.loopBound(spatial);
                for (; i < bound; i += F.length()) FloatVector.fromArray(F, dx, base + i).add(g).intoArray(dx, base + i);
                for (; i < spatial; i++) dx[base + i] += dy[p] / spatial;
            }
        });
    }

    /** {@code sum x[at, at + count)} in float lanes. */
    private static float sum(float[] x, int at, int count, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0, bound = F.loopBound(count);
        for (; i < bound; i += F.length()) acc = acc.add(FloatVector.fromArray(F, x, at + i));
        acc.intoArray(lanes, 0);
        float s = CpuSpecies.sumInLaneOrder(lanes);
        for (; i < count; i++) s += x[at + i];
        return s;
    }

    /** {@code sum (x - m)^2} over {@code x[at, at + count)} in float lanes. */
    private static float sumSquaredDeviation(float[] x, int at, int count, float m, float[] lanes) {
        FloatVector acc = FloatVector.zero(F), mv = FloatVector.broadcast(F, m);
        int i = 0, bound = F.loopBound(count);
        for (; i < bound; i += F.length()) {
            FloatVector d = FloatVector.fromArray(F, x, at + i).sub(mv);
            acc = d.fma(d, acc);
        }
        acc.intoArray(lanes, 0);
        float s = CpuSpecies.sumInLaneOrder(lanes);
        for (; i < count; i++) {
            float d = x[at + i] - m;
            s += d * d;
        }
        return s;
    }

    /** {@code sums[0] += sum dy}, {@code sums[1] += sum dy * (x - m)} over one plane, float lanes within it. */
    private static void addGradientSums(float[] dy, int dyAt, float[] x, int xAt, int count, float m, double[] sums,
                                        float[] lanes) {
        FloatVector sDy = FloatVector.zero(F), sCentred = FloatVector.zero(F), mv = FloatVector.broadcast(F, m);
        int i = 0, bound = F.loopBound(count);
        for (; i < bound; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, dy, dyAt + i);
            sDy = sDy.add(g);
            sCentred = g.fma(FloatVector.fromArray(F, x, xAt + i).sub(mv), sCentred);
        }
        sDy.intoArray(lanes, 0);
        float pDy = CpuSpecies.sumInLaneOrder(lanes);
        sCentred.intoArray(lanes, 0);
        float pCentred = CpuSpecies.sumInLaneOrder(lanes);
        for (; i < count; i++) {
            pDy += dy[dyAt + i];
            pCentred += dy[dyAt + i] * (x[xAt + i] - m);
        }
        sums[0] += pDy;
        sums[1] += pCentred;
    }

    /** {@code y[yAt + i] = x[xAt + i] * scale + shift}, then {@code max(., 0)} when {@code relu}. */
    private static void affine(float[] x, int xAt, float[] y, int yAt, int count, float scale, float shift,
                               boolean relu) {
        FloatVector a = FloatVector.broadcast(F, scale), b = FloatVector.broadcast(F, shift);
        int i = 0, bound = F.loopBound(count);
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xAt + i).fma(a, b);
            (relu ? v.max(0f) : v).intoArray(y, yAt + i);
        }
        for (; i < count; i++) {
            float v = x[xAt + i] * scale + shift;
            y[yAt + i] = relu ? Math.max(v, 0f) : v;
        }
    }

    /** {@code dx[at + i] += a * dy[at + i] + bx * x[xAt + i] + c0}. */
    private static void addAffineGradient(float[] dy, float[] x, int xAt, float[] dx, int at, int count, float a, float bx,
                                          float c0) {
        FloatVector av = FloatVector.broadcast(F, a), bv = FloatVector.broadcast(F, bx), cv = FloatVector.broadcast(F, c0);
        int i = 0, bound = F.loopBound(count);
        for (; i < bound; i += F.length()) {
            FloatVector t = FloatVector.fromArray(F, dy, at + i).fma(av, FloatVector.fromArray(F, x, xAt + i).fma(bv, cv));
            FloatVector.fromArray(F, dx, at + i).add(t).intoArray(dx, at + i);
        }
        for (; i < count; i++) dx[at + i] += a * dy[at + i] + bx * x[xAt + i] + c0;
    }

    /** {@code dx[at + i] += a * dy[at + i]}. */
    private static void addScaled(float[] dy, float[] dx, int at, int count, float a) {
        FloatVector av = FloatVector.broadcast(F, a);
        int i = 0, bound = F.loopBound(count);
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, dy, at + i).fma(av, FloatVector.fromArray(F, dx, at + i)).intoArray(dx, at + i);
        }
        for (; i < count; i++) dx[at + i] += a * dy[at + i];
    }
}
