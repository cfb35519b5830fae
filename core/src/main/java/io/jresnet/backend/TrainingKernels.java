package io.jresnet.backend;

/**
 * The arithmetic of training, supplied by a backend ({@link Backend#newTrainingKernels()}): one
 * method per forward or backward computation of the graph op kinds a ResNet trains through. The rules
 * that call them (shapes, which gradients are wanted, what the tape keeps for backward, running
 * statistics) live once, in core's {@code io.jresnet.train.Ops}; the reference backend supplies the
 * scalar kernels ({@link io.jresnet.reference.ReferenceTrainingKernels}), the cpu backend its Vector
 * API ones.
 *
 * <p>Conventions: tensors are dense NCHW float arrays. An input may start at an offset ({@code xOff}:
 * it can be a view of a larger array); outputs and gradients start at index 0. Forward methods
 * overwrite their output. Backward methods add into gradients ({@code +=}, so a value read twice
 * receives the sum), and a {@code null} gradient array means that gradient is not wanted (a frozen
 * parameter, an input image).
 *
 * <p>Not thread-safe: an instance holds per-thread scratch; use one per training context. Each call
 * spreads its work over the backend's threads and returns when it is done. Valid until the backend is
 * closed.
 */
public interface TrainingKernels {
    /** {@return what computes, e.g. "Vector API 512-bit, 2 threads", for logs and benchmarks} */
    String description();

    /**
     * A convolution with a square {@code r x r} kernel, one stride and the same zero padding on all sides.
     *
     * @param n the batch
     * @param c the input channels
     * @param h the input height
     * @param w the input width
     * @param k the output channels
     * @param r the kernel's side
     * @param stride the stride, both directions
     * @param pad the zero padding, every side
     */
    record ConvGeometry(int n, int c, int h, int w, int k, int r, int stride, int pad) {
        /** {@return the output height} */
        public int oh() {
            return (h + 2 * pad - r) / stride + 1;
        }

        /** {@return the output width} */
        public int ow() {
            return (w + 2 * pad - r) / stride + 1;
        }
    }

    /**
     * {@code y[b,o,oy,ox] = bias[o] + sum_{c,ky,kx} w[o,c,ky,kx] * x[b,c,oy*s-p+ky, ox*s-p+kx]}, zero
     * outside the image; {@code bias} may be null. {@code w} is {@code [k, c, r, r]}.
     *
     * @param g the shapes
     * @param x the input
     * @param xOff where the input starts in {@code x}
     * @param w the weight {@code [k, c, r, r]}
     * @param bias {@code [k]}, or null
     * @param y the output {@code [n, k, oh, ow]}
     */
    void conv(ConvGeometry g, float[] x, int xOff, float[] w, float[] bias, float[] y);

    /**
     * Adds {@code dL/dx}, {@code dL/dw} and {@code dL/dbias = sum dy} per output channel, given {@code dy}.
     *
     * @param g the shapes
     * @param x the input
     * @param xOff where the input starts in {@code x}
     * @param w the weight {@code [k, c, r, r]}
     * @param dy the output's gradient
     * @param dx the input's gradient, or null
     * @param dw the weight's gradient, or null
     * @param dbias the bias's gradient, or null
     */
    void convBackward(ConvGeometry g, float[] x, int xOff, float[] w, float[] dy, float[] dx, float[] dw, float[] dbias);

    /**
     * Batch normalisation with batch statistics, per channel over its {@code M = n * spatial} values:
     * {@code mean}, the biased {@code variance} (mean squared deviation, two passes, no cancellation),
     * {@code istd = 1 / sqrt((float) variance + eps)} and {@code y = (x - mean) * istd * gamma + beta}.
     * Writes the three statistics per channel for the caller (running statistics, backward).
     *
     * @param x the input
     * @param xOff where the input starts in {@code x}
     * @param n the batch
     * @param c the channels
     * @param spatial the values per plane, {@code H * W}
     * @param gamma the scale {@code [c]}
     * @param beta the shift {@code [c]}
     * @param eps added to the variance
     * @param y the output
     * @param mean written: the batch mean per channel
     * @param variance written: the biased batch variance per channel
     * @param istd written: the inverse deviation per channel
     */
    void batchNorm(float[] x, int xOff, int n, int c, int spatial, float[] gamma, float[] beta, float eps, float[] y,
                   double[] mean, double[] variance, double[] istd);

    /**
     * {@code y[b,ch,i] = x[b,ch,i] * scale[ch] + shift[ch]} (batch norm with fixed statistics).
     *
     * @param x the input
     * @param xOff where the input starts in {@code x}
     * @param n the batch
     * @param c the channels
     * @param spatial the values per plane, {@code H * W}
     * @param scale {@code [c]}
     * @param shift {@code [c]}
     * @param y the output
     */
    void channelAffine(float[] x, int xOff, int n, int c, int spatial, float[] scale, float[] shift, float[] y);

    /**
     * Batch norm's backward, {@code xhat = (x - mean) * istd}: {@code dgamma += sum dy * xhat},
     * {@code dbeta += sum dy} and, with batch statistics (through the mean and the variance),
     * {@code dx += gamma * istd / M * (M * dy - sum dy - xhat * sum(dy * xhat))}; with fixed statistics
     * {@code dx += gamma * istd * dy}.
     *
     * @param x the forward input
     * @param xOff where it starts in {@code x}
     * @param n the batch
     * @param c the channels
     * @param spatial the values per plane, {@code H * W}
     * @param gamma the scale {@code [c]}
     * @param mean the mean the forward used, per channel
     * @param istd the inverse deviation the forward used, per channel
     * @param batchStatistics whether the forward normalised with the batch's statistics
     * @param dy the output's gradient
     * @param dx the input's gradient, or null
     * @param dGamma the scale's gradient, or null
     * @param dBeta the shift's gradient, or null
     */
    void batchNormBackward(float[] x, int xOff, int n, int c, int spatial, float[] gamma, double[] mean, double[] istd,
                           boolean batchStatistics, float[] dy, float[] dx, float[] dGamma, float[] dBeta);

    /**
     * {@link #batchNorm} and a ReLU on its output in one: {@code y = max((x - mean) * istd * gamma + beta, 0)},
     * the statistics as {@code batchNorm} writes them. A backend can fuse the two and save a pass over
     * {@code y}; this default runs one, then the other in place.
     *
     * @param x the input
     * @param xOff where the input starts in {@code x}
     * @param n the batch
     * @param c the channels
     * @param spatial the values per plane, {@code H * W}
     * @param gamma the scale {@code [c]}
     * @param beta the shift {@code [c]}
     * @param eps added to the variance
     * @param y the output
     * @param mean written: the batch mean per channel
     * @param variance written: the biased batch variance per channel
     * @param istd written: the inverse deviation per channel
     */
    default void batchNormRelu(float[] x, int xOff, int n, int c, int spatial, float[] gamma, float[] beta, float eps,
                               float[] y, double[] mean, double[] variance, double[] istd) {
        batchNorm(x, xOff, n, c, spatial, gamma, beta, eps, y, mean, variance, istd);
        relu(y, 0, y, n * c * spatial);
    }

    /**
     * {@code y = max(x, 0)}.
     *
     * @param x the input
     * @param xOff where the input starts in {@code x}
     * @param y the output
     * @param size the elements
     */
    void relu(float[] x, int xOff, float[] y, int size);

    /**
     * {@code dx += y > 0 ? dy : 0}, given the forward output {@code y}.
     *
     * @param y the forward output
     * @param dy the output's gradient
     * @param dx the input's gradient
     * @param size the elements
     */
    void reluBackward(float[] y, float[] dy, float[] dx, int size);

    /**
     * {@code dy = y > 0 ? dy : 0} in place: the gradient through a ReLU fused into the op that produced
     * {@code y} ({@link #batchNormRelu}), before that op's own backward reads it.
     *
     * @param y the fused op's output, after the ReLU
     * @param dy the output's gradient, masked in place
     * @param size the elements
     */
    default void reluMask(float[] y, float[] dy, int size) {
        for (int i = 0; i < size; i++) if (!(y[i] > 0f)) dy[i] = 0f;
    }

    /**
     * {@code y = a + b}.
     *
     * @param a the first input
     * @param aOff where it starts in {@code a}
     * @param b the second input
     * @param bOff where it starts in {@code b}
     * @param y the output
     * @param size the elements
     */
    void add(float[] a, int aOff, float[] b, int bOff, float[] y, int size);

    /**
     * {@code y = max(a + b, 0)}: the residual addition and the block's last ReLU in one. A backend can
     * fuse the two and save a pass over {@code y}; this default runs one, then the other in place.
     *
     * @param a the first input
     * @param aOff where it starts in {@code a}
     * @param b the second input
     * @param bOff where it starts in {@code b}
     * @param y the output
     * @param size the elements
     */
    default void addRelu(float[] a, int aOff, float[] b, int bOff, float[] y, int size) {
        add(a, aOff, b, bOff, y, size);
        relu(y, 0, y, size);
    }

    /**
     * {@code dx += dy}.
     *
     * @param dy the gradient to add
     * @param dx the gradient added to
     * @param size the elements
     */
    void accumulate(float[] dy, float[] dx, int size);

    /**
     * Sets {@code a[0, size)} to zero.
     *
     * @param a the array
     * @param size the elements
     */
    void zero(float[] a, int size);

    /**
     * Max pooling over {@code planes} planes of {@code h x w}, a square window of {@code kernel}, one
     * stride, the same padding on all sides (padding never wins); records in {@code argmax} the input
     * index (relative to {@code xOff}) of the first maximum of each window, NaN winning.
     *
     * @param x the input
     * @param xOff where the input starts in {@code x}
     * @param planes {@code N * C}
     * @param h the input height
     * @param w the input width
     * @param kernel the window's side
     * @param stride the stride, both directions
     * @param pad the padding, every side
     * @param y the output
     * @param oh the output height
     * @param ow the output width
     * @param argmax written: the input index each output took
     */
    void maxPool(float[] x, int xOff, int planes, int h, int w, int kernel, int stride, int pad, float[] y, int oh,
                 int ow, int[] argmax);

    /**
     * {@code dx[argmax[o]] += dy[o]} for the {@code size} outputs.
     *
     * @param argmax what {@link #maxPool} recorded
     * @param dy the output's gradient
     * @param dx the input's gradient
     * @param size the outputs
     */
    void maxPoolBackward(int[] argmax, float[] dy, float[] dx, int size);

    /**
     * {@code y[p] = mean of x over plane p} of {@code spatial} values.
     *
     * @param x the input
     * @param xOff where the input starts in {@code x}
     * @param planes {@code N * C}
     * @param spatial the values per plane
     * @param y the output, one value per plane
     */
    void globalAvgPool(float[] x, int xOff, int planes, int spatial, float[] y);

    /**
     * {@code dx[p, i] += dy[p] / spatial}.
     *
     * @param dy the output's gradient, one value per plane
     * @param planes {@code N * C}
     * @param spatial the values per plane
     * @param dx the input's gradient
     */
    void globalAvgPoolBackward(float[] dy, int planes, int spatial, float[] dx);

    /**
     * The option-A shortcut: {@code y[b,k,oy,ox] = k < c ? x[b,k,oy*s,ox*s] : 0}.
     *
     * @param x the input
     * @param xOff where the input starts in {@code x}
     * @param n the batch
     * @param c the input channels
     * @param h the input height
     * @param w the input width
     * @param stride the subsampling step
     * @param y the output
     * @param outChannels the output channels
     * @param before the zero channels before the input's
     * @param oh the output height
     * @param ow the output width
     */
    void shortcutPad(float[] x, int xOff, int n, int c, int h, int w, int stride, float[] y, int outChannels, int before,
                     int oh, int ow);

    /**
     * Adds the gradient of output channels {@code before .. before + c - 1} back to the sampled
     * positions of the input's channels.
     *
     * @param dy the output's gradient
     * @param n the batch
     * @param c the input channels
     * @param h the input height
     * @param w the input width
     * @param stride the subsampling step
     * @param outChannels the output channels
     * @param before the zero channels before the input's
     * @param oh the output height
     * @param ow the output width
     * @param dx the input's gradient
     */
    void shortcutPadBackward(float[] dy, int n, int c, int h, int w, int stride, int outChannels, int before, int oh,
                             int ow, float[] dx);

    /**
     * {@code y = x W^T + bias}: {@code x} is {@code [n, in]}, {@code w} {@code [out, in]}.
     *
     * @param x the input
     * @param xOff where the input starts in {@code x}
     * @param n the batch
     * @param in the input features
     * @param w the weight {@code [out, in]}
     * @param out the output features
     * @param bias {@code [out]}, or null
     * @param y the output {@code [n, out]}
     */
    void linear(float[] x, int xOff, int n, int in, float[] w, int out, float[] bias, float[] y);

    /**
     * {@code dx += dy W}, {@code dw += dy^T x}, {@code dbias += sum_b dy}.
     *
     * @param x the forward input
     * @param xOff where it starts in {@code x}
     * @param n the batch
     * @param in the input features
     * @param w the weight {@code [out, in]}
     * @param out the output features
     * @param dy the output's gradient
     * @param dx the input's gradient, or null
     * @param dw the weight's gradient, or null
     * @param dbias the bias's gradient, or null
     */
    void linearBackward(float[] x, int xOff, int n, int in, float[] w, int out, float[] dy, float[] dx, float[] dw,
                        float[] dbias);

    /**
     * Softmax cross-entropy summed over the batch: {@code sum_b (logsumexp(z_b) - z_b[label_b])}, with
     * the row maximum subtracted so {@code exp} never overflows; writes each row's log-sum-exp for
     * backward. Labels are in range (the caller checks).
     *
     * @param z the logits {@code [n, k]}
     * @param zOff where they start in {@code z}
     * @param n the batch
     * @param k the classes
     * @param labels the true class of each item
     * @param logSumExp written: each row's log-sum-exp
     * @return the summed loss
     */
    double softmaxCrossEntropy(float[] z, int zOff, int n, int k, int[] labels, double[] logSumExp);

    /**
     * {@code dz += scale * (softmax(z) - onehot(label))}.
     *
     * @param z the logits {@code [n, k]}
     * @param zOff where they start in {@code z}
     * @param n the batch
     * @param k the classes
     * @param labels the true class of each item
     * @param logSumExp what {@link #softmaxCrossEntropy} wrote
     * @param scale the loss's gradient divided by what the loss was divided by
     * @param dz the logits' gradient
     */
    void softmaxCrossEntropyBackward(float[] z, int zOff, int n, int k, int[] labels, double[] logSumExp, double scale,
                                     float[] dz);
}
