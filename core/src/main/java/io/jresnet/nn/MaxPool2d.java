package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;
import io.jresnet.reference.ReferenceKernels;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/** Max pooling with a square window (the ImageNet stem's 3x3, stride 2, padding 1). */
public final class MaxPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    public MaxPool2d(int kernel, int stride, int padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    public int kernel() { return kernel; }
    public int stride() { return stride; }
    public int padding() { return padding; }

    @Override
    public Tensor forward(Tensor x) {
        Shape out = outputShape(x.shape());
        Shape in = x.shape();
        Tensor y = Tensor.zeros(out);
        ReferenceKernels.maxPool(x.array(), x.offset(), in.n(), in.c(), in.h(), in.w(), kernel, kernel, stride, stride,
                padding, padding, y.array(), 0, out.h(), out.w());
        return y;
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.maxPool(path, x, kernel, stride, padding);
    }
}
