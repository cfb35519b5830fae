package io.jresnet.plan;

import io.jresnet.tensor.Tensor;

/**
 * A plan op: one step of a {@link Plan}, the fused kinds every backend implements. A separate sealed
 * hierarchy from the graph's {@link Op}s (what a model says): the {@link Planner} makes these from
 * those, and a backend's {@code switch} over them is exhaustive with nothing graph-only to reject.
 * Inputs and the output are the graph's value ids; weights are the graph's tensors or the planner's
 * folded copies, never changed afterwards.
 */
public sealed interface PlanOp permits PlanOp.Conv, PlanOp.Affine, PlanOp.Add, PlanOp.MaxPool, PlanOp.GlobalAvgPool,
        PlanOp.Linear, PlanOp.ShortcutPad, PlanOp.Softmax {
    /** {@return the graph op's name, for errors and profiles, e.g. {@code layer2.0.conv1}} */
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
     * 2-D convolution with its epilogue: {@code y = relu?(conv(x, W) + bias + residual?)}, any batch
     * norm that followed it folded into {@code W} and {@code bias}. Weight is OIHW {@code [K, C / G, R, S]}
     * with {@code G} groups (see {@link Op.Conv}); {@code residual} is a value id of the output's shape (the shortcut of a residual block), or -1.
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
     * @param residual the value added before the ReLU, or -1
     * @param relu whether a ReLU ends the epilogue
     */
    record Conv(String name, int input, int output, Tensor weight, Tensor bias, int groups, int strideH, int strideW,
                int padTop, int padLeft, int padBottom, int padRight, int residual, boolean relu) implements PlanOp {
        /** {@return K, the output channels} */
        public int outChannels() { return weight.shape().dim(0); }

        /** {@return C, the input channels (of all groups)} */
        public int inChannels() { return weight.shape().dim(1) * groups; }

        /** {@return C / G, the input channels each output channel reads} */
        public int groupInChannels() { return weight.shape().dim(1); }

        /** {@return K / G, the output channels of one group} */
        public int groupOutChannels() { return weight.shape().dim(0) / groups; }

        /** {@return R, the kernel's height} */
        public int kernelH() { return weight.shape().dim(2); }

        /** {@return S, the kernel's width} */
        public int kernelW() { return weight.shape().dim(3); }

        @Override
        public int[] inputs() {
            return residual < 0 ? new int[] {input} : new int[] {input, residual};
        }

        @Override
        public long macs(Graph g) {
            return g.shape(output).size() * groupInChannels() * kernelH() * kernelW();
        }

        /** The graph's convolution, no epilogue yet. */
        static Conv of(Op.Conv c) {
            return new Conv(c.name(), c.input(), c.output(), c.weight(), c.bias(), c.groups(), c.strideH(), c.strideW(), c.padTop(),
                    c.padLeft(), c.padBottom(), c.padRight(), -1, false);
        }

        Conv withEpilogue(Tensor newWeight, Tensor newBias, int newResidual, boolean newRelu, int newOutput) {
            return new Conv(name, input, newOutput, newWeight, newBias, groups, strideH, strideW, padTop, padLeft,
                    padBottom, padRight, newResidual, newRelu);
        }
    }
    /**
     * Per-channel affine map {@code y = relu?(x * scale[c] + shift[c])} on NCHW (a BN that could not fold).
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     * @param scale {@code [C]}
     * @param shift {@code [C]}
     * @param relu whether a ReLU follows
     */
    record Affine(String name, int input, int output, Tensor scale, Tensor shift, boolean relu) implements PlanOp {
        @Override public int[] inputs() { return new int[] {input}; }
    }
    /**
     * Elementwise {@code y = relu?(a + b)}; a and b have the output's shape.
     *
     * @param name the layer's name, for errors and profiles
     * @param a the first value it reads
     * @param b the second value it reads
     * @param output the value it writes
     * @param relu whether a ReLU follows
     */
    record Add(String name, int a, int b, int output, boolean relu) implements PlanOp {
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
                   int padTop, int padLeft, int padBottom, int padRight) implements PlanOp {
        @Override public int[] inputs() { return new int[] {input}; }
    }
    /**
     * Mean over H and W: {@code [N, C, H, W] -> [N, C, 1, 1]}.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     */
    record GlobalAvgPool(String name, int input, int output) implements PlanOp {
        @Override public int[] inputs() { return new int[] {input}; }
    }
    /**
     * Fully connected: {@code y[n, o] = relu?(sum_i x[n, i] * W[o, i] + bias[o])}. The input is read as
     * {@code [N, features]} whatever its rank. Weight is {@code [out, in]}, as in torch.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     * @param weight {@code [out, in]}
     * @param bias {@code [out]}
     * @param relu whether a ReLU follows
     */
    record Linear(String name, int input, int output, Tensor weight, Tensor bias, boolean relu) implements PlanOp {
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
     * pad the extra channels with zeros: {@code y[n, c, h, w] = c < C_in ? x[n, c, h*stride, w*stride] : 0}.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     * @param stride the subsampling step in pixels
     * @param outChannels the channels after padding
     * @param channelsBefore the zero channels before the input's ({@link Op.ShortcutPad})
     */
    record ShortcutPad(String name, int input, int output, int stride, int outChannels, int channelsBefore)
            implements PlanOp {
        @Override public int[] inputs() { return new int[] {input}; }
    }
    /**
     * Softmax over the last dimension of a {@code [N, K]} (or {@code [N, K, 1, 1]}) value.
     *
     * @param name the layer's name, for errors and profiles
     * @param input the value it reads
     * @param output the value it writes
     */
    record Softmax(String name, int input, int output) implements PlanOp {
        @Override public int[] inputs() { return new int[] {input}; }
    }
}
