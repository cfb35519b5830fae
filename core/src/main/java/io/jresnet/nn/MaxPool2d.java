package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;

/** Max pooling with a square window (the ImageNet stem's 3x3, stride 2, padding 1). */
public final class MaxPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    /**
     * A max pooling layer.
     *
     * @param kernel the window's side in pixels
     * @param stride the stride in pixels
     * @param padding padding on each side, in pixels (it never wins the maximum)
     */
    public MaxPool2d(int kernel, int stride, int padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    /** {@return the window's side in pixels} */
    public int kernel() { return kernel; }

    /** {@return the stride in pixels} */
    public int stride() { return stride; }

    /** {@return the padding on each side, in pixels} */
    public int padding() { return padding; }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.maxPool(path, x, kernel, stride, padding);
    }
}
