package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;

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
    public int lower(GraphBuilder g, String path, int x) {
        return g.maxPool(path, x, kernel, stride, padding);
    }
}
