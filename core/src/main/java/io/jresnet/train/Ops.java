package io.jresnet.train;

import io.jresnet.ShapeException;
import io.jresnet.reference.ReferenceKernels;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * The differentiable ops a ResNet is made of. Each computes its output now and records on the tape
 * how to turn the output's gradient into gradients of its inputs and parameters. Backward steps
 * add into gradients ({@code +=}); parameter gradients accumulate until the optimizer zeroes them.
 *
 * <p>Forward math is the eager modules' math (the same reference kernels, or for convolution a
 * faster kernel checked against them), so a tape forward in eval mode equals {@code Module.forward}.
 */
public final class Ops {
    private Ops() {}

    /** Convolution with square kernel, symmetric padding; {@code bias} may be null. */
    public static Var conv2d(Tape tape, Var x, Param weight, Param bias, int stride, int padding) {
        Shape in = x.shape(), ws = weight.value().shape();
        int k = ws.dim(0), r = ws.dim(2);
        if (in.rank() != 4 || in.c() != ws.dim(1)) {
            throw new ShapeException("conv2d: input " + in + " does not match weight " + ws);
        }
        int oh = (in.h() + 2 * padding - r) / stride + 1, ow = (in.w() + 2 * padding - r) / stride + 1;
        if (in.h() + 2 * padding < r || in.w() + 2 * padding < r) {
            throw new ShapeException("conv2d: kernel " + r + " does not fit input " + in + " with padding " + padding);
        }
        Var out = tape.output(Shape.nchw(in.n(), k, oh, ow), true);
        Tensor w = weight.value();
        TrainingContext ctx = tape.context();
        GemmConv.forward(ctx, x.value().array(), x.value().offset(), in.n(), in.c(), in.h(), in.w(), dense(w), k, r,
                bias == null ? null : dense(bias.value()), stride, padding, out.value().array(), oh, ow);
        tape.record(() -> {
            if (!out.hasGrad()) return;
            GemmConv.backward(ctx, x.value().array(), x.value().offset(), in.n(), in.c(), in.h(), in.w(), dense(w), k, r,
                    stride, padding, out.grad().array(), oh, ow, x.requiresGrad() ? x.grad().array() : null,
                    weight.trainable() ? weight.grad().array() : null,
                    bias == null || !bias.trainable() ? null : bias.grad().array());
        });
        return out;
    }

    /**
     * Batch normalisation. Training mode normalises with the batch statistics (two passes per
     * channel: mean, then the mean squared deviation) and moves the running statistics {@code mean}
     * and {@code var} in place by {@code momentum} (torch's convention, unbiased variance); it keeps
     * the mean and inverse deviation for backward. Eval mode is the fixed affine map of the running
     * statistics.
     *
     * <p>Training mode, per channel over the {@code M = N*H*W} values, with {@code xhat = (x - mean) *
     * istd}, {@code istd = 1 / sqrt(var + eps)}: {@code dbeta = sum dy}, {@code dgamma = sum dy * xhat},
     * and, through the mean and the variance, {@code dx = gamma * istd / M * (M * dy - sum dy - xhat *
     * sum(dy * xhat))}. Eval mode is a fixed affine map: {@code dx = gamma * istd * dy}.
     */
    public static Var batchNorm2d(Tape tape, Var x, Param weight, Param bias, Tensor runningMean, Tensor runningVar,
                                  float eps, float momentum, boolean training) {
        if (!training) return affineBatchNorm(tape, x, weight, bias, runningMean, runningVar, eps);
        Shape in = x.shape();
        int n = in.n(), c = in.c(), spatial = in.h() * in.w();
        float[] xs = x.value().array(), gamma = weight.value().toArray(), beta = bias.value().toArray();
        float[] rm = runningMean.array(), rv = runningVar.array();
        int xOff = x.value().offset(), rmOff = runningMean.offset(), rvOff = runningVar.offset();
        double[] mean = new double[c], istd = new double[c];
        Var out = tape.output(in, true);
        float[] ys = out.value().array();
        double count = (double) n * spatial;
        TrainingContext ctx = tape.context();
        ctx.forRanges(c, n * spatial, (chFrom, chTo) -> {
          for (int ch = chFrom; ch < chTo; ch++) {
            double s = 0, ss = 0;
            for (int b = 0; b < n; b++) { // float partial sums per plane, double across planes
                int base = xOff + (b * c + ch) * spatial;
                float ps = 0f;
                for (int i = 0; i < spatial; i++) ps += xs[base + i];
                s += ps;
            }
            double m = s / count;
            for (int b = 0; b < n; b++) { // two passes: no cancellation in E[x^2] - m^2
                int base = xOff + (b * c + ch) * spatial;
                float fm = (float) m, pss = 0f;
                for (int i = 0; i < spatial; i++) {
                    float d = xs[base + i] - fm;
                    pss += d * d;
                }
                ss += pss;
            }
            double v = ss / count;
            mean[ch] = m;
            istd[ch] = 1.0 / Math.sqrt((float) v + (double) eps);
            double unbiased = count > 1 ? v * count / (count - 1) : v;
            rm[rmOff + ch] = (float) ((1 - momentum) * rm[rmOff + ch] + momentum * m);
            rv[rvOff + ch] = (float) ((1 - momentum) * rv[rvOff + ch] + momentum * unbiased);
            float scale = (float) (gamma[ch] * istd[ch]), shift = (float) (beta[ch] - m * scale);
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * spatial;
                for (int i = 0; i < spatial; i++) ys[base + i] = xs[xOff + base + i] * scale + shift;
            }
          }
        });
        tape.record(() -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad().array();
            float[] dGamma = weight.trainable() ? weight.grad().array() : null, dBeta = bias.trainable() ? bias.grad().array() : null;
            float[] dx = x.requiresGrad() ? x.grad().array() : null;
            ctx.forRanges(c, n * spatial, (chFrom, chTo) -> {
              for (int ch = chFrom; ch < chTo; ch++) {
                double m = mean[ch], is = istd[ch], sumDy = 0, sumDyCentred = 0;
                float fm = (float) m;
                for (int b = 0; b < n; b++) { // float partial sums per plane, double across planes
                    int base = (b * c + ch) * spatial;
                    float pDy = 0f, pDyCentred = 0f;
                    for (int i = 0; i < spatial; i++) {
                        float g = dy[base + i];
                        pDy += g;
                        pDyCentred += g * (xs[xOff + base + i] - fm);
                    }
                    sumDy += pDy;
                    sumDyCentred += pDyCentred;
                }
                double sumDyXhat = sumDyCentred * is;
                if (dGamma != null) dGamma[ch] += (float) sumDyXhat;
                if (dBeta != null) dBeta[ch] += (float) sumDy;
                if (dx == null) continue;
                // dx = scale * (dy - sumDy/M - xhat * sumDyXhat/M) = a*dy + bx*x + c0, with xhat = (x - m) * istd
                double scale = gamma[ch] * is;
                float a = (float) scale, bx = (float) (-scale * is * sumDyXhat / count);
                float c0 = (float) (scale * (-sumDy / count + m * is * sumDyXhat / count));
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * spatial;
                    for (int i = 0; i < spatial; i++) dx[base + i] += a * dy[base + i] + bx * xs[xOff + base + i] + c0;
                }
              }
            });
        });
        return out;
    }

    /** Eval-mode batch norm: the fixed affine map of the running statistics, {@code dx = gamma * istd * dy}. */
    private static Var affineBatchNorm(Tape tape, Var x, Param weight, Param bias, Tensor runningMean, Tensor runningVar,
                                       float eps) {
        Shape in = x.shape();
        int n = in.n(), c = in.c(), spatial = in.h() * in.w();
        float[] var = runningVar.toArray(), gamma = weight.value().toArray(), beta = bias.value().toArray();
        float[] mean = runningMean.toArray();
        float[] xs = x.value().array();
        int xOff = x.value().offset();
        Var out = tape.output(in, true);
        float[] ys = out.value().array();
        for (int ch = 0; ch < c; ch++) {
            double istd = 1.0 / Math.sqrt((double) var[ch] + eps);
            float scale = (float) (gamma[ch] * istd), shift = (float) (beta[ch] - mean[ch] * gamma[ch] * istd);
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * spatial;
                for (int i = 0; i < spatial; i++) ys[base + i] = xs[xOff + base + i] * scale + shift;
            }
        }
        tape.record(() -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad().array();
            float[] dGamma = weight.trainable() ? weight.grad().array() : null, dBeta = bias.trainable() ? bias.grad().array() : null;
            float[] dx = x.requiresGrad() ? x.grad().array() : null;
            for (int ch = 0; ch < c; ch++) {
                double istd = 1.0 / Math.sqrt((double) var[ch] + eps), sumDy = 0, sumDyXhat = 0;
                float scale = (float) (gamma[ch] * istd);
                for (int b = 0; b < n; b++) {
                    int base = (b * c + ch) * spatial;
                    for (int i = 0; i < spatial; i++) {
                        sumDy += dy[base + i];
                        sumDyXhat += dy[base + i] * (xs[xOff + base + i] - mean[ch]) * istd;
                        if (dx != null) dx[base + i] += scale * dy[base + i];
                    }
                }
                if (dGamma != null) dGamma[ch] += (float) sumDyXhat;
                if (dBeta != null) dBeta[ch] += (float) sumDy;
            }
        });
        return out;
    }

    /** {@code max(x, 0)}; the gradient passes where the output is positive. */
    public static Var relu(Tape tape, Var x) {
        Tensor xv = x.value();
        Var out = tape.output(xv.shape(), x.requiresGrad());
        float[] a = xv.array(), ya = out.value().array();
        int xOff = xv.offset();
        TrainingContext ctx = tape.context();
        ctx.forRanges(ya.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) ya[i] = Math.max(a[xOff + i], 0f);
        });
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (!out.hasGrad()) return;
                float[] dy = out.grad().array(), dx = x.grad().array();
                ctx.forRanges(ya.length, 1, (from, to) -> {
                    for (int i = from; i < to; i++) dx[i] += ya[i] > 0f ? dy[i] : 0f;
                });
            });
        }
        return out;
    }

    /** Element-wise {@code a + b} (the residual addition); both inputs receive the output's gradient. */
    public static Var add(Tape tape, Var a, Var b) {
        if (!a.shape().equals(b.shape())) {
            throw new ShapeException("add: shapes " + a.shape() + " and " + b.shape() + " differ");
        }
        Var out = tape.output(a.shape(), a.requiresGrad() || b.requiresGrad());
        float[] as = a.value().array(), bs = b.value().array(), ys = out.value().array();
        int aOff = a.value().offset(), bOff = b.value().offset();
        TrainingContext ctx = tape.context();
        ctx.forRanges(ys.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) ys[i] = as[aOff + i] + bs[bOff + i];
        });
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (!out.hasGrad()) return;
                float[] dy = out.grad().array();
                float[] da = a.requiresGrad() ? a.grad().array() : null, db = b.requiresGrad() ? b.grad().array() : null;
                ctx.forRanges(dy.length, 2, (from, to) -> {
                    if (da != null) for (int i = from; i < to; i++) da[i] += dy[i];
                    if (db != null) for (int i = from; i < to; i++) db[i] += dy[i];
                });
            });
        }
        return out;
    }

    /**
     * Option-A shortcut: {@code y[b,k,oy,ox] = k < c ? x[b,k,oy*s,ox*s] : 0}. The gradient goes back to
     * the sampled positions of the first {@code c} channels; the padded channels have no source.
     */
    public static Var shortcutPad(Tape tape, Var x, int stride, int outChannels) {
        Shape in = x.shape();
        int n = in.n(), c = in.c(), h = in.h(), w = in.w();
        int oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1;
        Var out = tape.output(Shape.nchw(n, outChannels, oh, ow), x.requiresGrad());
        ReferenceKernels.shortcutPad(x.value().array(), x.value().offset(), n, c, h, w, stride, out.value().array(), 0,
                outChannels, oh, ow);
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (!out.hasGrad()) return;
                float[] dy = out.grad().array(), dx = x.grad().array();
                for (int b = 0; b < n; b++) {
                    for (int ch = 0; ch < Math.min(c, outChannels); ch++) {
                        for (int oy = 0; oy < oh; oy++) {
                            for (int ox = 0; ox < ow; ox++) {
                                dx[((b * c + ch) * h + oy * stride) * w + ox * stride] +=
                                        dy[((b * outChannels + ch) * oh + oy) * ow + ox];
                            }
                        }
                    }
                }
            });
        }
        return out;
    }

    /** Max pooling; the gradient goes to the first maximum of each window (the one forward picked). */
    public static Var maxPool2d(Tape tape, Var x, int kernel, int stride, int padding) {
        Shape in = x.shape();
        int n = in.n(), c = in.c(), h = in.h(), w = in.w();
        int oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1;
        if (oh < 1 || ow < 1) throw new ShapeException("maxPool2d: window " + kernel + " does not fit input " + in);
        int[] argmax = new int[n * c * oh * ow];
        Var out = tape.output(Shape.nchw(n, c, oh, ow), x.requiresGrad());
        float[] xs = x.value().array(), ys = out.value().array();
        int xOff = x.value().offset();
        for (int p = 0; p < n * c; p++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    float m = Float.NEGATIVE_INFINITY;
                    int at = -1;
                    for (int ky = 0; ky < kernel; ky++) {
                        int iy = oy * stride - padding + ky;
                        if (iy < 0 || iy >= h) continue;
                        for (int kx = 0; kx < kernel; kx++) {
                            int ix = ox * stride - padding + kx;
                            if (ix < 0 || ix >= w) continue;
                            int i = (p * h + iy) * w + ix;
                            float v = xs[xOff + i];
                            if (at < 0 || v > m || (Float.isNaN(v) && !Float.isNaN(m))) {
                                m = v;
                                at = i;
                            }
                        }
                    }
                    int o = (p * oh + oy) * ow + ox;
                    ys[o] = m;
                    argmax[o] = at;
                }
            }
        }
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (!out.hasGrad()) return;
                float[] dy = out.grad().array(), dx = x.grad().array();
                for (int o = 0; o < dy.length; o++) if (argmax[o] >= 0) dx[argmax[o]] += dy[o];
            });
        }
        return out;
    }

    /** Mean over height and width, {@code [N,C,H,W] -> [N,C,1,1]}; each input gets {@code dy / (H*W)}. */
    public static Var globalAvgPool2d(Tape tape, Var x) {
        Shape in = x.shape();
        if (in.rank() != 4) throw new ShapeException("globalAvgPool2d: expected NCHW, found " + in);
        int nc = in.n() * in.c(), spatial = in.h() * in.w();
        Var out = tape.output(Shape.nchw(in.n(), in.c(), 1, 1), x.requiresGrad());
        ReferenceKernels.globalAvgPool(x.value().array(), x.value().offset(), in.n(), in.c(), spatial,
                out.value().array(), 0);
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (!out.hasGrad()) return;
                float[] dy = out.grad().array(), dx = x.grad().array();
                for (int p = 0; p < nc; p++) {
                    float g = dy[p] / spatial;
                    for (int i = 0; i < spatial; i++) dx[p * spatial + i] += g;
                }
            });
        }
        return out;
    }

    /** {@code [N, ...] -> [N, features]}; the gradient is the output's, reshaped. */
    public static Var flatten(Tape tape, Var x) {
        int n = x.shape().dim(0);
        Tensor y = x.value().reshape(n, n == 0 ? 0 : x.value().size() / n);
        Var out = tape.output(y, x.requiresGrad());
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (!out.hasGrad()) return;
                float[] dy = out.grad().array(), dx = x.grad().array();
                for (int i = 0; i < dy.length; i++) dx[i] += dy[i];
            });
        }
        return out;
    }

    /** {@code y = x W^T + b}: {@code dx = dy W}, {@code dW += dy^T x}, {@code db += sum_b dy}. */
    public static Var linear(Tape tape, Var x, Param weight, Param bias) {
        int out = weight.value().shape().dim(0), in = weight.value().shape().dim(1);
        int n = x.shape().dim(0);
        if (x.shape().rank() != 2 || x.shape().dim(1) != in) {
            throw new ShapeException("linear(" + in + "->" + out + "): expected [N, " + in + "], found " + x.shape());
        }
        Var result = tape.output(Shape.of(n, out), true);
        float[] w = dense(weight.value()), xs = x.value().array();
        int xOff = x.value().offset();
        ReferenceKernels.linear(xs, xOff, n, in, w, 0, out, bias == null ? null : dense(bias.value()), 0,
                result.value().array(), 0, false);
        tape.record(() -> {
            if (!result.hasGrad()) return;
            float[] dy = result.grad().array(), dw = weight.trainable() ? weight.grad().array() : null;
            float[] dx = x.requiresGrad() ? x.grad().array() : null;
            for (int b = 0; b < n; b++) {
                for (int o = 0; o < out; o++) {
                    float g = dy[b * out + o];
                    for (int i = 0; i < in; i++) {
                        if (dw != null) dw[o * in + i] += g * xs[xOff + b * in + i];
                        if (dx != null) dx[b * in + i] += g * w[o * in + i];
                    }
                }
            }
            if (bias != null && bias.trainable()) {
                float[] db = bias.grad().array();
                for (int b = 0; b < n; b++) for (int o = 0; o < out; o++) db[o] += dy[b * out + o];
            }
        });
        return result;
    }

    /**
     * Mean softmax cross-entropy over the batch, fused with the softmax: {@code loss = mean_b
     * (logsumexp(z_b) - z_b[label_b])}, computed with the row maximum subtracted so {@code exp} never
     * overflows; {@code dz = (softmax(z) - onehot(label)) / N}. Returns a single-element value.
     */
    public static Var softmaxCrossEntropy(Tape tape, Var logits, int[] labels) {
        Shape s = logits.shape();
        if (s.rank() != 2 || s.dim(0) != labels.length) {
            throw new ShapeException("softmaxCrossEntropy: logits " + s + " for " + labels.length + " labels");
        }
        int n = s.dim(0), k = s.dim(1);
        float[] z = logits.value().array();
        int zOff = logits.value().offset();
        double[] logSumExp = new double[n];
        double total = 0;
        for (int b = 0; b < n; b++) {
            if (labels[b] < 0 || labels[b] >= k) {
                throw new ShapeException("softmaxCrossEntropy: label " + labels[b] + " of item " + b + " is outside [0, "
                        + k + ")");
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < k; i++) max = Math.max(max, z[zOff + b * k + i]);
            double sum = 0;
            for (int i = 0; i < k; i++) sum += Math.exp(z[zOff + b * k + i] - max);
            logSumExp[b] = max + Math.log(sum);
            total += logSumExp[b] - z[zOff + b * k + labels[b]];
        }
        Var loss = tape.output(Tensor.wrap(new float[] {(float) (total / n)}, Shape.of()), logits.requiresGrad());
        if (loss.requiresGrad()) {
            tape.record(() -> {
                if (!loss.hasGrad()) return;
                double g = loss.grad().array()[0] / n;
                float[] dz = logits.grad().array();
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < k; i++) {
                        double p = Math.exp(z[zOff + b * k + i] - logSumExp[b]);
                        dz[b * k + i] += (float) (g * (p - (i == labels[b] ? 1 : 0)));
                    }
                }
            });
        }
        return loss;
    }

    /** The tensor's elements as an array starting at index 0 (the tensor's own array when it can be). */
    private static float[] dense(Tensor t) {
        return t.offset() == 0 && t.array().length == t.size() ? t.array() : t.toArray();
    }
}
