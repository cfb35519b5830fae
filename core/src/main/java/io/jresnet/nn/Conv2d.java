package io.jresnet.nn;

import io.jresnet.ShapeException;
import io.jresnet.UnsupportedLayerException;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * 2-D convolution with square kernel, symmetric zero padding, dilation 1 and groups 1 (all a ResNet
 * needs). Parameters: {@code weight [out, in, k, k]} and, if enabled, {@code bias [out]}.
 */
public final class Conv2d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final Parameter weight;
    private final Parameter bias;

    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias) {
        this(inChannels, outChannels, kernel, stride, padding, 1, 1, bias);
    }

    /** Rejects what ResNets never use (dilation or groups other than 1) with a clear error. */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups,
                  boolean bias) {
        if (dilation != 1) throw new UnsupportedLayerException("Conv2d: dilation " + dilation + " is not supported (only 1)");
        if (groups != 1) throw new UnsupportedLayerException("Conv2d: groups " + groups + " is not supported (only 1)");
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new UnsupportedLayerException("Conv2d: invalid configuration in=" + inChannels + " out=" + outChannels
                    + " kernel=" + kernel + " stride=" + stride + " padding=" + padding);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.weight = weight("weight", Tensor.zeros(outChannels, inChannels, kernel, kernel));
        this.bias = bias ? weight("bias", Tensor.zeros(outChannels)) : null;
    }

    public int inChannels() { return inChannels; }
    public int outChannels() { return outChannels; }
    public int kernel() { return kernel; }
    public int stride() { return stride; }
    public int padding() { return padding; }
    public Parameter weight() { return weight; }
    /** The bias, or null when the conv has none (the usual case before a BatchNorm). */
    public Parameter bias() { return bias; }

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
        return g.conv(path, x, weight.value(), bias == null ? null : bias.value(), stride, stride, padding, padding,
                padding, padding);
    }
}
