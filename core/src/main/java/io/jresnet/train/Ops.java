package io.jresnet.train;

import io.jresnet.ShapeException;
import io.jresnet.backend.TrainingKernels;
import io.jresnet.backend.TrainingKernels.ConvGeometry;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * The differentiable ops a ResNet is made of: one forward and one backward rule per graph op kind,
 * written once here. Each checks shapes, computes its output now and records on the tape how to turn
 * the output's gradient into gradients of its inputs and parameters. The arithmetic of both directions
 * is the backend's ({@link TrainingKernels}, from the tape's {@link TrainingContext}). Backward steps
 * add into gradients ({@code +=}); parameter gradients accumulate until the optimizer zeroes them.
 */
public final class Ops {
    private Ops() {}

    /** Convolution with square kernel, symmetric padding; {@code bias} may be null. */
    public static Var conv2d(Tape tape, Var x, Param weight, Param bias, int stride, int padding) {
        return conv2d(tape, x, weight, bias, 1, stride, padding);
    }

    /**
     * Convolution in {@code groups} groups (weight {@code [K, C / groups, r, r]}); {@code bias} may be
     * null. A grouped convolution is {@code groups} dense ones on channel slices: group {@code g}'s
     * input channels are gathered into a dense tensor, the backend's convolution runs on it with the
     * group's rows of the weight, and its output channels are scattered into place (backward: the
     * same slices of the gradients, added back). Only data moves here; the arithmetic stays the backend's.
     */
    public static Var conv2d(Tape tape, Var x, Param weight, Param bias, int groups, int stride, int padding) {
        Shape in = x.shape(), ws = weight.value().shape();
        int k = ws.dim(0), r = ws.dim(2);
        if (in.rank() != 4 || groups < 1 || k % groups != 0 || in.c() != (long) ws.dim(1) * groups) {
            throw new ShapeException("conv2d: input " + in + " does not match weight " + ws + " in " + groups
                    + " group(s)");
        }
        if (in.h() + 2 * padding < r || in.w() + 2 * padding < r) {
            throw new ShapeException("conv2d: kernel " + r + " does not fit input " + in + " with padding " + padding);
        }
        ConvGeometry whole = new ConvGeometry(in.n(), in.c(), in.h(), in.w(), k, r, stride, padding);
        Var out = tape.output(Shape.nchw(in.n(), k, whole.oh(), whole.ow()), true);
        float[] w = dense(weight.value());
        float[] b = bias == null ? null : dense(bias.value());
        TrainingKernels kernels = tape.context().kernels();
        if (groups == 1) {
            kernels.conv(whole, x.value().array(), x.value().offset(), w, b, out.value().array());
            tape.record(() -> {
                if (!out.hasGrad()) return;
                kernels.convBackward(whole, x.value().array(), x.value().offset(), w, out.grad().array(),
                        x.requiresGrad() ? x.grad().array() : null, weight.trainable() ? weight.grad().array() : null,
                        bias == null || !bias.trainable() ? null : bias.grad().array());
            });
            return out;
        }
        int cg = in.c() / groups, kg = k / groups, plane = in.h() * in.w(), outPlane = whole.oh() * whole.ow();
        int wg = kg * cg * r * r;
        ConvGeometry g = new ConvGeometry(in.n(), cg, in.h(), in.w(), kg, r, stride, padding);
        float[] xs = new float[in.n() * cg * plane], ys = new float[in.n() * kg * outPlane];
        for (int group = 0; group < groups; group++) {
            gatherChannels(x.value().array(), x.value().offset(), in.n(), in.c(), group * cg, cg, plane, xs);
            kernels.conv(g, xs, 0, java.util.Arrays.copyOfRange(w, group * wg, (group + 1) * wg),
                    b == null ? null : java.util.Arrays.copyOfRange(b, group * kg, (group + 1) * kg), ys);
            scatterChannels(ys, in.n(), k, group * kg, kg, outPlane, out.value().array(), false);
        }
        tape.record(() -> {
            if (!out.hasGrad()) return;
            float[] dys = new float[ys.length], dxs = x.requiresGrad() ? new float[xs.length] : null;
            float[] dws = weight.trainable() ? new float[wg] : null;
            float[] dbs = bias != null && bias.trainable() ? new float[kg] : null;
            for (int group = 0; group < groups; group++) {
                gatherChannels(x.value().array(), x.value().offset(), in.n(), in.c(), group * cg, cg, plane, xs);
                gatherChannels(out.grad().array(), 0, in.n(), k, group * kg, kg, outPlane, dys);
                if (dxs != null) java.util.Arrays.fill(dxs, 0f);
                if (dws != null) java.util.Arrays.fill(dws, 0f);
                if (dbs != null) java.util.Arrays.fill(dbs, 0f);
                kernels.convBackward(g, xs, 0, java.util.Arrays.copyOfRange(w, group * wg, (group + 1) * wg), dys, dxs,
                        dws, dbs);
                if (dxs != null) scatterChannels(dxs, in.n(), in.c(), group * cg, cg, plane, x.grad().array(), true);
                if (dws != null) {
                    float[] dw = weight.grad().array();
                    for (int i = 0; i < wg; i++) dw[group * wg + i] += dws[i];
                }
                if (dbs != null) {
                    float[] db = bias.grad().array();
                    for (int i = 0; i < kg; i++) db[group * kg + i] += dbs[i];
                }
            }
        });
        return out;
    }

    /** {@code dst[b, j, :] = src[off + (b, c0 + j, :)]} for {@code j < count}: a dense copy of a channel slice. */
    private static void gatherChannels(float[] src, int off, int n, int c, int c0, int count, int plane, float[] dst) {
        for (int b = 0; b < n; b++) {
            System.arraycopy(src, off + (b * c + c0) * plane, dst, b * count * plane, count * plane);
        }
    }

    /** {@code dst[(b, c0 + j, :)] = src[b, j, :]}, or {@code +=} with {@code add}. */
    private static void scatterChannels(float[] src, int n, int c, int c0, int count, int plane, float[] dst,
                                        boolean add) {
        for (int b = 0; b < n; b++) {
            int to = (b * c + c0) * plane, from = b * count * plane;
            if (!add) {
                System.arraycopy(src, from, dst, to, count * plane);
            } else {
                for (int i = 0; i < count * plane; i++) dst[to + i] += src[from + i];
            }
        }
    }

    /**
     * Batch normalisation. Training mode normalises with the batch statistics and moves the running
     * statistics {@code mean} and {@code var} in place by {@code momentum} (torch's convention,
     * unbiased variance); it keeps the mean and inverse deviation for backward, which goes through the
     * mean and the variance ({@link TrainingKernels#batchNormBackward}). Eval mode is the fixed affine
     * map of the running statistics, {@code dx = gamma * istd * dy}.
     */
    public static Var batchNorm2d(Tape tape, Var x, Param weight, Param bias, Tensor runningMean, Tensor runningVar,
                                  float eps, float momentum, boolean training) {
        return batchNorm2d(tape, x, weight, bias, runningMean, runningVar, eps, momentum, training, false);
    }

    /**
     * {@link #batchNorm2d} followed by a ReLU when {@code relu}, as one op: its output is
     * {@code max(bn(x), 0)} and the batch norm's own output is never stored. Backward masks the incoming
     * gradient where the output is not positive ({@link TrainingKernels#reluMask}) and goes on as batch
     * norm's; that saves the ReLU's output buffer, a pass forward and the ReLU gradient's zeroing and
     * accumulation backward.
     */
    public static Var batchNorm2d(Tape tape, Var x, Param weight, Param bias, Tensor runningMean, Tensor runningVar,
                                  float eps, float momentum, boolean training, boolean relu) {
        Shape in = x.shape();
        int n = in.n(), c = in.c(), spatial = in.h() * in.w();
        float[] xs = x.value().array(), gamma = weight.value().toArray(), beta = bias.value().toArray();
        int xOff = x.value().offset();
        double[] mean = new double[c], istd = new double[c];
        Var out = tape.output(in, true);
        TrainingKernels kernels = tape.context().kernels();
        if (training) {
            double[] variance = new double[c];
            if (relu) kernels.batchNormRelu(xs, xOff, n, c, spatial, gamma, beta, eps, out.value().array(), mean, variance, istd);
            else kernels.batchNorm(xs, xOff, n, c, spatial, gamma, beta, eps, out.value().array(), mean, variance, istd);
            float[] rm = runningMean.array(), rv = runningVar.array();
            int rmOff = runningMean.offset(), rvOff = runningVar.offset();
            double count = (double) n * spatial;
            for (int ch = 0; ch < c; ch++) {
                double unbiased = count > 1 ? variance[ch] * count / (count - 1) : variance[ch];
                rm[rmOff + ch] = (float) ((1 - momentum) * rm[rmOff + ch] + momentum * mean[ch]);
                rv[rvOff + ch] = (float) ((1 - momentum) * rv[rvOff + ch] + momentum * unbiased);
            }
        } else {
            float[] rm = runningMean.toArray(), rv = runningVar.toArray(), scale = new float[c], shift = new float[c];
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = rm[ch];
                istd[ch] = 1.0 / Math.sqrt((double) rv[ch] + eps);
                scale[ch] = (float) (gamma[ch] * istd[ch]);
                shift[ch] = (float) (beta[ch] - rm[ch] * gamma[ch] * istd[ch]);
            }
            float[] y = out.value().array();
            kernels.channelAffine(xs, xOff, n, c, spatial, scale, shift, y);
            if (relu) kernels.relu(y, 0, y, n * c * spatial);
        }
        tape.record(() -> {
            if (!out.hasGrad()) return;
            if (relu) kernels.reluMask(out.value().array(), out.grad().array(), n * c * spatial);
            kernels.batchNormBackward(xs, xOff, n, c, spatial, gamma, mean, istd, training, out.grad().array(),
                    x.requiresGrad() ? x.grad().array() : null, weight.trainable() ? weight.grad().array() : null,
                    bias.trainable() ? bias.grad().array() : null);
        });
        return out;
    }

    /** {@code max(x, 0)}; the gradient passes where the output is positive. */
    public static Var relu(Tape tape, Var x) {
        Tensor xv = x.value();
        Var out = tape.output(xv.shape(), x.requiresGrad());
        TrainingKernels kernels = tape.context().kernels();
        float[] y = out.value().array();
        kernels.relu(xv.array(), xv.offset(), y, y.length);
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (out.hasGrad()) kernels.reluBackward(y, out.grad().array(), x.grad().array(), y.length);
            });
        }
        return out;
    }

    /** Element-wise {@code a + b} (the residual addition); both inputs receive the output's gradient. */
    public static Var add(Tape tape, Var a, Var b) {
        return add(tape, a, b, false);
    }

    /**
     * {@code a + b}, followed by a ReLU when {@code relu}, as one op (a residual block's end): backward
     * passes the gradient to each input where the output is positive ({@link TrainingKernels#reluBackward}
     * into each), with no ReLU output buffer and no gradient of the sum stored.
     */
    public static Var add(Tape tape, Var a, Var b, boolean relu) {
        if (!a.shape().equals(b.shape())) {
            throw new ShapeException("add: shapes " + a.shape() + " and " + b.shape() + " differ");
        }
        Var out = tape.output(a.shape(), a.requiresGrad() || b.requiresGrad());
        TrainingKernels kernels = tape.context().kernels();
        float[] y = out.value().array();
        if (relu) kernels.addRelu(a.value().array(), a.value().offset(), b.value().array(), b.value().offset(), y, y.length);
        else kernels.add(a.value().array(), a.value().offset(), b.value().array(), b.value().offset(), y, y.length);
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (!out.hasGrad()) return;
                float[] dy = out.grad().array();
                if (relu) {
                    if (a.requiresGrad()) kernels.reluBackward(y, dy, a.grad().array(), dy.length);
                    if (b.requiresGrad()) kernels.reluBackward(y, dy, b.grad().array(), dy.length);
                    return;
                }
                if (a.requiresGrad()) kernels.accumulate(dy, a.grad().array(), dy.length);
                if (b.requiresGrad()) kernels.accumulate(dy, b.grad().array(), dy.length);
            });
        }
        return out;
    }

    /**
     * Option-A shortcut: {@code y[b,k,oy,ox] = 0 <= k - B < c ? x[b,k-B,oy*s,ox*s] : 0} with {@code B}
     * zero channels before the input's. The gradient goes back to the sampled positions of the input's
     * channels; the padded channels have no source.
     */
    public static Var shortcutPad(Tape tape, Var x, int stride, int outChannels, int before) {
        Shape in = x.shape();
        int n = in.n(), c = in.c(), h = in.h(), w = in.w();
        int oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1;
        Var out = tape.output(Shape.nchw(n, outChannels, oh, ow), x.requiresGrad());
        TrainingKernels kernels = tape.context().kernels();
        kernels.shortcutPad(x.value().array(), x.value().offset(), n, c, h, w, stride, out.value().array(), outChannels,
                before, oh, ow);
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (out.hasGrad()) {
                    kernels.shortcutPadBackward(out.grad().array(), n, c, h, w, stride, outChannels, before, oh, ow,
                            x.grad().array());
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
        TrainingKernels kernels = tape.context().kernels();
        kernels.maxPool(x.value().array(), x.value().offset(), n * c, h, w, kernel, stride, padding, out.value().array(),
                oh, ow, argmax);
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (out.hasGrad()) kernels.maxPoolBackward(argmax, out.grad().array(), x.grad().array(), argmax.length);
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
        TrainingKernels kernels = tape.context().kernels();
        kernels.globalAvgPool(x.value().array(), x.value().offset(), nc, spatial, out.value().array());
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (out.hasGrad()) kernels.globalAvgPoolBackward(out.grad().array(), nc, spatial, x.grad().array());
            });
        }
        return out;
    }

    /** {@code [N, ...] -> [N, features]}; the gradient is the output's, reshaped. */
    public static Var flatten(Tape tape, Var x) {
        int n = x.shape().dim(0);
        Tensor y = x.value().reshape(n, n == 0 ? 0 : x.value().size() / n);
        Var out = tape.output(y, x.requiresGrad());
        TrainingKernels kernels = tape.context().kernels();
        if (out.requiresGrad()) {
            tape.record(() -> {
                if (!out.hasGrad()) return;
                float[] dy = out.grad().array();
                kernels.accumulate(dy, x.grad().array(), dy.length);
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
        TrainingKernels kernels = tape.context().kernels();
        kernels.linear(xs, xOff, n, in, w, out, bias == null ? null : dense(bias.value()), result.value().array());
        tape.record(() -> {
            if (!result.hasGrad()) return;
            kernels.linearBackward(xs, xOff, n, in, w, out, result.grad().array(),
                    x.requiresGrad() ? x.grad().array() : null, weight.trainable() ? weight.grad().array() : null,
                    bias != null && bias.trainable() ? bias.grad().array() : null);
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
        for (int b = 0; b < n; b++) {
            if (labels[b] < 0 || labels[b] >= k) {
                throw new ShapeException("softmaxCrossEntropy: label " + labels[b] + " of item " + b + " is outside [0, "
                        + k + ")");
            }
        }
        float[] z = logits.value().array();
        int zOff = logits.value().offset();
        double[] logSumExp = new double[n];
        TrainingKernels kernels = tape.context().kernels();
        double total = kernels.softmaxCrossEntropy(z, zOff, n, k, labels, logSumExp);
        Var loss = tape.output(Tensor.wrap(new float[] {(float) (total / n)}, Shape.of()), logits.requiresGrad());
        if (loss.requiresGrad()) {
            tape.record(() -> {
                if (loss.hasGrad()) {
                    kernels.softmaxCrossEntropyBackward(z, zOff, n, k, labels, logSumExp, loss.grad().array()[0] / n,
                            logits.grad().array());
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
