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
    /** {@return a name for errors and profiles, e.g. {@code layer2.0.conv1}} */
    String name();

    /** {@return the ids of the values it reads, in order} */
    int[] inputs();

    /** {@return the id of the value it writes} */
    int output();

    /**
     * {@return the multiply-accumulates per run of this op}
     *
     * @param g the graph whose value shapes it reads
     */
    default long macs(Graph g) {
        return 0;
    }

    /**
     * 2-D convolution, dilation 1: {@code y = conv(x, W) + bias}. Weight is OIHW
     * {@code [K, C / G, R, S]}; bias is {@code [K]} (zeros when the conv has none). With {@code G}
     * groups, output channel {@code k} belongs to group {@code g = k / (K / G)} and reads only the
     * input channels {@code g * C / G .. (g + 1) * C / G - 1}: {@code y[k] = bias[k] + sum_{c < C/G,
     * r, s} W[k, c, r, s] * x[g * C / G + c, ...]}.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     * @param weight {@code [K, C / G, R, S]}
     * @param bias {@code [K]}
     * @param groups G, 1 for a dense convolution
     * @param strideH vertical stride in pixels
     * @param strideW horizontal stride in pixels
     * @param padTop rows of padding above
     * @param padLeft columns of padding on the left
     * @param padBottom rows of padding below
     * @param padRight columns of padding on the right
     */
    record Conv(String name, int input, int output, Tensor weight, Tensor bias, int groups, int strideH, int strideW,
                int padTop, int padLeft, int padBottom, int padRight) implements Op {
        /** {@return K, the output channels} */
        public int outChannels() { return weight.shape().dim(0); }

        /** {@return C, the input channels (of all groups)} */
        public int inChannels() { return weight.shape().dim(1) * groups; }

        /** {@return C / G, the input channels each output channel reads} */
        public int groupInChannels() { return weight.shape().dim(1); }

        /** {@return R, the kernel's height} */
        public int kernelH() { return weight.shape().dim(2); }

        /** {@return S, the kernel's width} */
        public int kernelW() { return weight.shape().dim(3); }

        @Override public int[] inputs() { return new int[] {input}; }

        @Override
        public long macs(Graph g) {
            return g.shape(output).size() * groupInChannels() * kernelH() * kernelW();
        }
    }

    /**
     * Batch normalisation: in inference {@code (x - mean) / sqrt(var + eps) * gamma + beta} with the
     * running statistics; in training the batch's, moving the running ones by {@code momentum}
     * (torch's convention: {@code running = (1 - momentum) * running + momentum * batch}).
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     * @param gamma the per-channel scale {@code [C]}
     * @param beta the per-channel shift {@code [C]}
     * @param mean the running mean {@code [C]}
     * @param var the running variance {@code [C]}
     * @param eps added to the variance
     * @param momentum the running statistics' update rate in training
     */
    record BatchNorm(String name, int input, int output, Tensor gamma, Tensor beta, Tensor mean, Tensor var,
                     float eps, float momentum) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }

        /** {@return the per-channel scale {@code gamma / sqrt(var + eps)}, computed in double} */
        public float[] scale() {
            float[] s = new float[gamma.size()];
            for (int c = 0; c < s.length; c++) {
                s[c] = (float) (gamma.array()[gamma.offset() + c] / Math.sqrt((double) var.array()[var.offset() + c] + eps));
            }
            return s;
        }

        /** {@return the per-channel shift {@code beta - mean * scale}} */
        public float[] shift() {
            float[] s = scale();
            float[] b = new float[s.length];
            for (int c = 0; c < s.length; c++) {
                b[c] = (float) (beta.array()[beta.offset() + c] - (double) mean.array()[mean.offset() + c] * s[c]);
            }
            return b;
        }
    }

    /**
     * Per-channel affine map {@code y = x * scale[c] + shift[c]} on NCHW (an imported Mul and Add).
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     * @param scale {@code [C]}
     * @param shift {@code [C]}
     */
    record Affine(String name, int input, int output, Tensor scale, Tensor shift) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /**
     * {@code y = max(x, 0)}; the planner fuses it into the op before it.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     */
    record Relu(String name, int input, int output) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /**
     * Elementwise {@code y = a + b}; a and b have the output's shape.
     *
     * @param name the layer's name, for errors and profiles
     * @param a the first value it reads
     * @param b the second value it reads
     * @param output the value it writes
     */
    record Add(String name, int a, int b, int output) implements Op {
        @Override public int[] inputs() { return new int[] {a, b}; }
    }

    /**
     * Max pooling; padded positions never win (they count as minus infinity).
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     * @param kernelH window height in pixels
     * @param kernelW window width in pixels
     * @param strideH vertical stride in pixels
     * @param strideW horizontal stride in pixels
     * @param padTop rows of padding above
     * @param padLeft columns of padding on the left
     * @param padBottom rows of padding below
     * @param padRight columns of padding on the right
     */
    record MaxPool(String name, int input, int output, int kernelH, int kernelW, int strideH, int strideW,
                   int padTop, int padLeft, int padBottom, int padRight) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /**
     * Mean over H and W: {@code [N, C, H, W] -> [N, C, 1, 1]}.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     */
    record GlobalAvgPool(String name, int input, int output) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /**
     * Same data, another shape (Flatten, Reshape). The planner turns it into an alias of the input's buffer.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     */
    record Reshape(String name, int input, int output) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /**
     * Fully connected: {@code y[n, o] = sum_i x[n, i] * W[o, i] + bias[o]}. The input is read as
     * {@code [N, features]} whatever its rank. Weight is {@code [out, in]}, as in torch.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     * @param weight {@code [out, in]}
     * @param bias {@code [out]}
     */
    record Linear(String name, int input, int output, Tensor weight, Tensor bias) implements Op {
        /** {@return the output features} */
        public int outFeatures() { return weight.shape().dim(0); }

        /** {@return the input features} */
        public int inFeatures() { return weight.shape().dim(1); }

        @Override public int[] inputs() { return new int[] {input}; }

        @Override
        public long macs(Graph g) {
            return (long) g.shape(output).dim(0) * outFeatures() * inFeatures();
        }
    }

    /**
     * The parameter-free shortcut of option A (He et al. 2015, sec. 4.2): subsample by {@code stride} and
     * pad with zero channels, {@code channelsBefore} of them before the input's (0 in the paper and in
     * jresnet's nets; the CIFAR ResNet most people train in PyTorch pads both sides):
     * {@code y[n, c, h, w] = 0 <= c - B < C_in ? x[n, c - B, h*stride, w*stride] : 0}.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     * @param stride the subsampling step in pixels
     * @param outChannels the channels after padding
     * @param channelsBefore the zero channels before the input's
     */
    record ShortcutPad(String name, int input, int output, int stride, int outChannels, int channelsBefore)
            implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }

    /**
     * Softmax over the last dimension of a {@code [N, K]} (or {@code [N, K, 1, 1]}) value.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     */
    record Softmax(String name, int input, int output) implements Op {
        @Override public int[] inputs() { return new int[] {input}; }
    }
}
