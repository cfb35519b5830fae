package io.jresnet.nn;

import io.jresnet.ShapeException;
import io.jresnet.UnsupportedLayerException;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * 2-D convolution with square kernel, symmetric zero padding and dilation 1, dense or grouped (the
 * 3x3 layer of a ResNeXt bottleneck: {@code groups} independent convolutions, each from
 * {@code in / groups} input channels to {@code out / groups} output channels). Parameters:
 * {@code weight [out, in / groups, k, k]} (torch's layout) and, if enabled, {@code bias [out]}.
 */
public final class Conv2d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int groups;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * A convolution with zero-initialised weights (see {@link Initializers}).
     *
     * @param inChannels input channels
     * @param outChannels output channels
     * @param kernel the kernel's side in pixels
     * @param stride the stride in pixels
     * @param padding zero padding on each side, in pixels
     * @param bias whether it has a bias
     */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias) {
        this(inChannels, outChannels, kernel, stride, padding, 1, 1, bias);
    }

    /**
     * A grouped convolution with zero-initialised weights.
     *
     * @param inChannels input channels
     * @param outChannels output channels
     * @param kernel the kernel's side in pixels
     * @param stride the stride in pixels
     * @param padding zero padding on each side, in pixels
     * @param groups how many groups the channels are split into; divides both channel counts
     * @param bias whether it has a bias
     */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int groups, boolean bias) {
        this(inChannels, outChannels, kernel, stride, padding, 1, groups, bias);
    }

    /**
     * A convolution as torch's constructor takes it; rejects what ResNets never use (dilation other
     * than 1) with a clear error.
     *
     * @param inChannels input channels
     * @param outChannels output channels
     * @param kernel the kernel's side in pixels
     * @param stride the stride in pixels
     * @param padding zero padding on each side, in pixels
     * @param dilation must be 1
     * @param groups how many groups the channels are split into; divides both channel counts
     * @param bias whether it has a bias
     * @throws io.jresnet.UnsupportedLayerException for dilation other than 1 or groups that do not
     *     divide the channels
     */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups,
                  boolean bias) {
        if (dilation != 1) throw new UnsupportedLayerException("Conv2d: dilation " + dilation + " is not supported (only 1)");
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || padding < 0 || groups < 1
                || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new UnsupportedLayerException("Conv2d: invalid configuration in=" + inChannels + " out=" + outChannels
                    + " kernel=" + kernel + " stride=" + stride + " padding=" + padding + " groups=" + groups);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.groups = groups;
        this.weight = weight("weight", Tensor.zeros(outChannels, inChannels / groups, kernel, kernel));
        this.bias = bias ? weight("bias", Tensor.zeros(outChannels)) : null;
    }

    /** {@return the input channels} */
    public int inChannels() { return inChannels; }

    /** {@return the output channels} */
    public int outChannels() { return outChannels; }

    /** {@return the kernel's side in pixels} */
    public int kernel() { return kernel; }

    /** {@return the stride in pixels} */
    public int stride() { return stride; }

    /** {@return the zero padding on each side, in pixels} */
    public int padding() { return padding; }

    /** {@return how many groups the channels are split into: 1 for a dense convolution} */
    public int groups() { return groups; }

    /** {@return the weight, {@code [out, in / groups, k, k]}} */
    public Parameter weight() { return weight; }

    /** {@return the bias, {@code [out]}, or null when the conv has none (the usual case before a BatchNorm)} */
    public Parameter bias() { return bias; }

    /**
     * {@return the output shape for an NCHW input}
     *
     * @param in the input's shape
     * @throws io.jresnet.ShapeException if the input is not NCHW with this layer's input channels, or
     *     the kernel does not fit
     */
    public Shape outputShapeFor(Shape in) {
        if (in.rank() != 4 || in.c() != inChannels) {
            throw new ShapeException("Conv2d(" + inChannels + "->" + outChannels + "): expected [N, " + inChannels
                    + ", H, W], found " + in);
        }
        int oh = (in.h() + 2 * padding - kernel) / stride + 1;
        int ow = (in.w() + 2 * padding - kernel) / stride + 1;
        if (in.h() + 2 * padding < kernel || in.w() + 2 * padding < kernel) {
            throw new ShapeException("Conv2d: kernel " + kernel + " does not fit input " + in + " with padding " + padding);
        }
        return Shape.nchw(in.n(), outChannels, oh, ow);
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.conv(path, x, weight.value(), bias == null ? null : bias.value(), groups, stride, stride, padding,
                padding, padding, padding);
    }
}
