package io.jresnet.plan;

import io.jresnet.tensor.Tensor;

/**
 * A graph op: one node of a {@link Graph}, what a model or an ONNX file says, one operation each (no
 * fused epilogues). Inputs and the output are value ids (indices into the graph's values). Weights are
 * shared, never copied, between a graph and the plans made from it.
 *
 * <p>Backends never see these: the {@link Planner} turns them into {@link PlanOp}s, a separate sealed
 * hierarchy of the fused kinds backends implement (it folds {@link BatchNorm} into the conv before it,
 * fuses {@link Add} and {@link Relu} into the op before them and turns {@link Reshape} into a buffer
 * alias). Training ({@code io.jresnet.train.TapeModel}) runs these.
 */
public sealed interface Op permits Op.Conv, Op.BatchNorm, Op.Affine, Op.Relu, Op.Add, Op.MaxPool, Op.GlobalAvgPool,
        Op.Reshape, Op.Linear, Op.ShortcutPad, Op.Softmax {
    /** A name for errors and profiles, e.g. {@code layer2.0.conv1}. */
    String name();

    int[] inputs();

    int output();

    /** Multiply-accumulates per run of this op, given the graph's value shapes. */
    default long macs(Graph g) {
        return 0;
    }

    /**
     * 2-D convolution, groups 1, dilation 1: {@code y = conv(x, W) + bias}. Weight is OIHW
     * {@code [K, C, R, S]}; bias is {@code [K]} (zeros when the conv has none).
     */
    record Conv(String name, int input, int output, Tensor weight, Tensor bias, int strideH, int strideW,
                int padTop, int padLeft, int padBottom, int padRight) implements Op {
        public int outChannels() { return weight.shape().dim(0); }
        public int inChannels() { return weight.shape().dim(1); }
        public int kernelH() { return weight.shape().dim(2); }
        public int kernelW() { return weight.shape().dim(3); }

        @Override public int[] inputs() { return new int[] {input}; }

        @Override
        public long macs(Graph g) {
            return g.shape(output).size() * inChannels() * kernelH() * kernelW();
        }
    }

    /**
     * Batch normalisation: in inference {@code (x - mean) / sqrt(var + eps) * gamma + beta} with the
     * running statistics; in training the batch's, moving the running ones by {@code momentum}
     * (torch's convention: {@code running = (1 - momentum) * running + momentum * batch}).
     */
    record BatchNorm(String name, int input, int output, Tensor gamma, Tensor beta, Tensor mean, Tensor var,
                     float eps, float momentum) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }

        /** Per-channel scale {@code gamma / sqrt(var + eps)}, computed in double. */
        public float[] scale() {
            float[] s = new float[gamma.size()];
            for (int c = 0; c < s.length; c++) {
                s[c] = (float) (gamma.array()[gamma.offset() + c] / Math.sqrt((double) var.array()[var.offset() + c] + eps));
            }
            return s;
        }

        /** Per-channel shift {@code beta - mean * scale}. */
        public float[] shift() {
            float[] s = scale();
            float[] b = new float[s.length];
            for (int c = 0; c < s.length; c++) {
                b[c] = (float) (beta.array()[beta.offset() + c] - (double) mean.array()[mean.offset() + c] * s[c]);
            }
            return b;
        }
    }

    /** Per-channel affine map {@code y = x * scale[c] + shift[c]} on NCHW (an imported Mul and Add). */
    record Affine(String name, int input, int output, Tensor scale, Tensor shift) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    record Relu(String name, int input, int output) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /** Elementwise {@code y = a + b}; a and b have the output's shape. */
    record Add(String name, int a, int b, int output) implements Op {
        @Override public int[] inputs() { return new int[] {a, b}; }
    }

    /** Max pooling; padded positions never win (they count as minus infinity). */
    record MaxPool(String name, int input, int output, int kernelH, int kernelW, int strideH, int strideW,
                   int padTop, int padLeft, int padBottom, int padRight) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /** Mean over H and W: {@code [N, C, H, W] -> [N, C, 1, 1]}. */
    record GlobalAvgPool(String name, int input, int output) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /** Same data, another shape (Flatten, Reshape). The planner turns it into an alias of the input's buffer. */
    record Reshape(String name, int input, int output) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /**
     * Fully connected: {@code y[n, o] = sum_i x[n, i] * W[o, i] + bias[o]}. The input is read as
     * {@code [N, features]} whatever its rank. Weight is {@code [out, in]}, as in torch.
     */
    record Linear(String name, int input, int output, Tensor weight, Tensor bias) implements Op {
        public int outFeatures() { return weight.shape().dim(0); }
        public int inFeatures() { return weight.shape().dim(1); }

        @Override public int[] inputs() { return new int[] {input}; }

        @Override
        public long macs(Graph g) {
            return (long) g.shape(output).dim(0) * outFeatures() * inFeatures();
        }
    }

    /**
     * The parameter-free shortcut of option A (He et al. 2015, sec. 4.2): subsample by {@code stride} and
     * pad the extra channels with zeros: {@code y[n, c, h, w] = c < C_in ? x[n, c, h*stride, w*stride] : 0}.
     */
    record ShortcutPad(String name, int input, int output, int stride, int outChannels) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /** Softmax over the last dimension of a {@code [N, K]} (or {@code [N, K, 1, 1]}) value. */
    record Softmax(String name, int input, int output) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }
}
