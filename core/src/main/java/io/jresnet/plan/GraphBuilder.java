package io.jresnet.plan;

import io.jresnet.ShapeException;
import io.jresnet.UnsupportedLayerException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link Graph} op by op, inferring and checking each value's shape as it goes, so a wrong
 * wiring fails at the op that causes it, named ({@link io.jresnet.ShapeException},
 * {@link io.jresnet.UnsupportedLayerException}). Every method returns the id of the value it creates.
 * Tensors given to it are held, not copied. Not thread-safe: one builder per graph.
 */
public final class GraphBuilder {
    private final List<Shape> shapes = new ArrayList<>();
    private final List<Op> ops = new ArrayList<>();
    private int input = -1;

    /** An empty graph; call {@link #input} first. */
    public GraphBuilder() {}

    /**
     * Declares the graph's input; once.
     *
     * @param shape the input's shape, NCHW for images, batch first
     * @return the input value
     */
    public int input(Shape shape) {
        if (input >= 0) throw new IllegalStateException("the graph already has an input");
        input = newValue(shape);
        return input;
    }

    /**
     * {@return the shape of a value built so far}
     *
     * @param value the value's id
     */
    public Shape shape(int value) {
        if (value < 0 || value >= shapes.size()) throw new IllegalArgumentException("no value " + value);
        return shapes.get(value);
    }

    private int newValue(Shape s) {
        shapes.add(s);
        return shapes.size() - 1;
    }

    private Shape requireNchw(String name, int value) {
        Shape s = shape(value);
        if (s.rank() != 4) throw new ShapeException(name + ": expected an NCHW input (rank 4), found " + s);
        return s;
    }

    static int outSize(String name, int in, int k, int stride, int padA, int padB) {
        if (stride < 1) throw new UnsupportedLayerException(name + ": stride must be >= 1, found " + stride);
        if (padA < 0 || padB < 0) throw new UnsupportedLayerException(name + ": negative padding " + padA + "/" + padB);
        int span = in + padA + padB - k;
        if (span < 0) {
            throw new ShapeException(name + ": kernel " + k + " does not fit input extent " + in + " with padding "
                    + padA + "+" + padB);
        }
        return span / stride + 1;
    }

    /**
     * Convolution with symmetric padding and no bias.
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param weight {@code [K, C, R, S]}
     * @param stride the stride in both directions, in pixels
     * @param pad padding on every side, in pixels
     * @return the output value
     */
    public int conv(String name, int x, Tensor weight, int stride, int pad) {
        return conv(name, x, weight, null, stride, stride, pad, pad, pad, pad);
    }

    /**
     * Dense convolution (groups 1).
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param weight {@code [K, C, R, S]}
     * @param bias {@code [K]}, or null for none
     * @param strideH vertical stride in pixels
     * @param strideW horizontal stride in pixels
     * @param padTop rows of padding above
     * @param padLeft columns of padding on the left
     * @param padBottom rows of padding below
     * @param padRight columns of padding on the right
     * @return the output value
     */
    public int conv(String name, int x, Tensor weight, Tensor bias, int strideH, int strideW, int padTop,
                    int padLeft, int padBottom, int padRight) {
        return conv(name, x, weight, bias, 1, strideH, strideW, padTop, padLeft, padBottom, padRight);
    }

    /**
     * Convolution in {@code groups} groups (see {@link Op.Conv}).
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param weight {@code [K, C / groups, R, S]}
     * @param bias {@code [K]}, or null for none
     * @param groups how many groups; divides C and K
     * @param strideH vertical stride in pixels
     * @param strideW horizontal stride in pixels
     * @param padTop rows of padding above
     * @param padLeft columns of padding on the left
     * @param padBottom rows of padding below
     * @param padRight columns of padding on the right
     * @return the output value
     */
    public int conv(String name, int x, Tensor weight, Tensor bias, int groups, int strideH, int strideW, int padTop,
                    int padLeft, int padBottom, int padRight) {
        Shape in = requireNchw(name, x);
        Shape w = weight.shape();
        if (w.rank() != 4) throw new ShapeException(name + ": conv weight must be [K, C / groups, R, S], found " + w);
        if (groups < 1 || w.dim(0) % groups != 0) {
            throw new ShapeException(name + ": " + groups + " groups do not divide the weight's " + w.dim(0)
                    + " output channels (weight " + w + ")");
        }
        if ((long) w.dim(1) * groups != in.c()) {
            throw new ShapeException(name + ": weight " + w + " in " + groups + " group" + (groups == 1 ? "" : "s")
                    + " expects " + (long) w.dim(1) * groups + " input channels, input " + in + " has " + in.c());
        }
        int k = w.dim(0);
        if (bias == null) {
            bias = Tensor.zeros(k);
        } else if (bias.size() != k) {
            throw new ShapeException(name + ": bias has " + bias.size() + " elements, expected " + k);
        }
        int oh = outSize(name, in.h(), w.dim(2), strideH, padTop, padBottom);
        int ow = outSize(name, in.w(), w.dim(3), strideW, padLeft, padRight);
        int y = newValue(Shape.nchw(in.n(), k, oh, ow));
        ops.add(new Op.Conv(name, x, y, weight, vector(bias, k), groups, strideH, strideW, padTop, padLeft, padBottom,
                padRight));
        return y;
    }

    /**
     * A batch norm with torch's default momentum, 0.1 (used only when the graph trains).
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param gamma the per-channel scale {@code [C]}
     * @param beta the per-channel shift {@code [C]}
     * @param mean the running mean {@code [C]}
     * @param var the running variance {@code [C]}
     * @param eps added to the variance
     * @return the output value
     */
    public int batchNorm(String name, int x, Tensor gamma, Tensor beta, Tensor mean, Tensor var, float eps) {
        return batchNorm(name, x, gamma, beta, mean, var, eps, 0.1f);
    }

    /**
     * A batch norm ({@link Op.BatchNorm}).
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param gamma the per-channel scale {@code [C]}
     * @param beta the per-channel shift {@code [C]}
     * @param mean the running mean {@code [C]}
     * @param var the running variance {@code [C]}
     * @param eps added to the variance
     * @param momentum the running statistics' update rate in training
     * @return the output value
     */
    public int batchNorm(String name, int x, Tensor gamma, Tensor beta, Tensor mean, Tensor var, float eps,
                         float momentum) {
        Shape in = requireNchw(name, x);
        for (Tensor t : new Tensor[] {gamma, beta, mean, var}) {
            if (t.size() != in.c()) {
                throw new ShapeException(name + ": batch-norm parameter of " + t.size() + " elements for "
                        + in.c() + " channels");
            }
        }
        int y = newValue(in);
        ops.add(new Op.BatchNorm(name, x, y, gamma, beta, mean, var, eps, momentum));
        return y;
    }

    /**
     * A per-channel affine map ({@link Op.Affine}), {@code x * scale[c] + shift[c]}.
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param scale {@code [C]}
     * @param shift {@code [C]}
     * @param relu whether a ReLU (named {@code name + ".relu"}) follows
     * @return the output value
     */
    public int affine(String name, int x, Tensor scale, Tensor shift, boolean relu) {
        Shape in = requireNchw(name, x);
        if (scale.size() != in.c() || shift.size() != in.c()) {
            throw new ShapeException(name + ": affine parameters of " + scale.size() + "/" + shift.size()
                    + " elements for " + in.c() + " channels");
        }
        int y = newValue(in);
        ops.add(new Op.Affine(name, x, y, scale, shift));
        return relu ? relu(name + ".relu", y) : y;
    }

    /**
     * {@code max(x, 0)}.
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @return the output value
     */
    public int relu(String name, int x) {
        int y = newValue(shape(x));
        ops.add(new Op.Relu(name, x, y));
        return y;
    }

    /**
     * Elementwise sum of two values of one shape.
     *
     * @param name the layer's name, for errors and profiles
     * @param a the first value
     * @param b the second value
     * @return the output value
     */
    public int add(String name, int a, int b) {
        if (!shape(a).equals(shape(b))) {
            throw new ShapeException(name + ": cannot add " + shape(a) + " and " + shape(b)
                    + " (broadcasting is not supported)");
        }
        int y = newValue(shape(a));
        ops.add(new Op.Add(name, a, b, y));
        return y;
    }

    /**
     * Max pooling with a square window and symmetric padding.
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param kernel the window's side in pixels
     * @param stride the stride in both directions
     * @param pad padding on every side, smaller than the kernel
     * @return the output value
     */
    public int maxPool(String name, int x, int kernel, int stride, int pad) {
        return maxPool(name, x, kernel, kernel, stride, stride, pad, pad, pad, pad);
    }

    /**
     * Max pooling.
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param kernelH window height in pixels
     * @param kernelW window width in pixels
     * @param strideH vertical stride in pixels
     * @param strideW horizontal stride in pixels
     * @param padTop rows of padding above
     * @param padLeft columns of padding on the left
     * @param padBottom rows of padding below
     * @param padRight columns of padding on the right
     * @return the output value
     */
    public int maxPool(String name, int x, int kernelH, int kernelW, int strideH, int strideW, int padTop,
                       int padLeft, int padBottom, int padRight) {
        Shape in = requireNchw(name, x);
        if (padTop >= kernelH || padBottom >= kernelH || padLeft >= kernelW || padRight >= kernelW) {
            // A window made only of padding would have no maximum.
            throw new UnsupportedLayerException(name + ": max-pool padding must be smaller than the kernel");
        }
        int oh = outSize(name, in.h(), kernelH, strideH, padTop, padBottom);
        int ow = outSize(name, in.w(), kernelW, strideW, padLeft, padRight);
        int y = newValue(Shape.nchw(in.n(), in.c(), oh, ow));
        ops.add(new Op.MaxPool(name, x, y, kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight));
        return y;
    }

    /**
     * Mean over height and width.
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @return the output value
     */
    public int globalAvgPool(String name, int x) {
        Shape in = requireNchw(name, x);
        int y = newValue(Shape.nchw(in.n(), in.c(), 1, 1));
        ops.add(new Op.GlobalAvgPool(name, x, y));
        return y;
    }

    /**
     * Flatten all but the batch dimension: {@code [N, ...] -> [N, prod(...)]}.
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @return the output value
     */
    public int flatten(String name, int x) {
        Shape in = shape(x);
        int n = in.dim(0);
        return reshape(name, x, Shape.of(n, n == 0 ? 0 : (int) (in.size() / n)));
    }

    /**
     * The same data in another shape of the same size.
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param to the new shape
     * @return the output value
     */
    public int reshape(String name, int x, Shape to) {
        if (to.size() != shape(x).size()) {
            throw new ShapeException(name + ": cannot reshape " + shape(x) + " to " + to);
        }
        int y = newValue(to);
        ops.add(new Op.Reshape(name, x, y));
        return y;
    }

    /**
     * {@code t} as a vector of {@code n}: itself when it already is one, so that a graph op holds the
     * module's own tensor (training finds a parameter's gradient by that identity), else a view.
     */
    private static Tensor vector(Tensor t, int n) {
        return t.shape().equals(Shape.of(n)) ? t : t.reshape(n);
    }

    /**
     * Fully connected layer ({@link Op.Linear}).
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param weight {@code [out, in]}
     * @param bias {@code [out]}, or null for none
     * @return the output value
     */
    public int linear(String name, int x, Tensor weight, Tensor bias) {
        Shape in = shape(x);
        Shape w = weight.shape();
        if (w.rank() != 2) throw new ShapeException(name + ": linear weight must be [out, in], found " + w);
        int n = in.dim(0);
        long features = n == 0 ? 0 : in.size() / n;
        if (features != w.dim(1)) {
            throw new ShapeException(name + ": weight " + w + " expects " + w.dim(1) + " input features, input "
                    + in + " has " + features);
        }
        if (bias == null) {
            bias = Tensor.zeros(w.dim(0));
        } else if (bias.size() != w.dim(0)) {
            throw new ShapeException(name + ": bias has " + bias.size() + " elements, expected " + w.dim(0));
        }
        int y = newValue(Shape.of(n, w.dim(0)));
        ops.add(new Op.Linear(name, x, y, weight, vector(bias, w.dim(0))));
        return y;
    }

    /**
     * The option-A shortcut ({@link Op.ShortcutPad}).
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param stride the subsampling step in pixels
     * @param outChannels the channels after zero padding, at least the input's
     * @return the output value
     */
    public int shortcutPad(String name, int x, int stride, int outChannels) {
        return shortcutPad(name, x, stride, outChannels, 0);
    }

    /**
     * The option-A shortcut with zero channels on both sides of the input's ({@link Op.ShortcutPad}).
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @param stride the subsampling step in pixels
     * @param outChannels the channels after zero padding, at least the input's plus {@code channelsBefore}
     * @param channelsBefore the zero channels before the input's
     * @return the output value
     */
    public int shortcutPad(String name, int x, int stride, int outChannels, int channelsBefore) {
        Shape in = requireNchw(name, x);
        if (channelsBefore < 0 || outChannels < in.c() + (long) channelsBefore) {
            throw new ShapeException(name + ": option-A shortcut cannot place " + in.c() + " channels after "
                    + channelsBefore + " zero ones in " + outChannels);
        }
        if (stride < 1) throw new ShapeException(name + ": stride " + stride);
        int oh = (in.h() - 1) / stride + 1;
        int ow = (in.w() - 1) / stride + 1;
        int y = newValue(Shape.nchw(in.n(), outChannels, oh, ow));
        ops.add(new Op.ShortcutPad(name, x, y, stride, outChannels, channelsBefore));
        return y;
    }

    /**
     * Softmax over the last dimension of {@code [N, K]} or {@code [N, K, 1, 1]}.
     *
     * @param name the layer's name, for errors and profiles
     * @param x the input value
     * @return the output value
     */
    public int softmax(String name, int x) {
        Shape in = shape(x);
        if (!(in.rank() == 2 || (in.rank() == 4 && in.h() == 1 && in.w() == 1))) {
            throw new ShapeException(name + ": softmax expects [N, K] or [N, K, 1, 1], found " + in);
        }
        int y = newValue(in);
        ops.add(new Op.Softmax(name, x, y));
        return y;
    }

    /**
     * {@return the graph, with {@code output} as its result}
     *
     * @param output the value the graph returns
     */
    public Graph build(int output) {
        if (input < 0) throw new IllegalStateException("the graph has no input");
        shape(output);
        return new Graph(shapes, ops, input, output);
    }
}
