package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;
import io.jresnet.reference.ReferenceKernels;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * Shortcut option A (He et al. 2015, sec. 4.2): identity subsampled by the stride, with the extra
 * output channels zero-padded. Parameter-free.
 */
public final class ZeroPadShortcut extends Module {
    private final int stride;
    private final int outChannels;

    public ZeroPadShortcut(int stride, int outChannels) {
        this.stride = stride;
        this.outChannels = outChannels;
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape in = x.shape();
        int oh = (in.h() - 1) / stride + 1, ow = (in.w() - 1) / stride + 1;
        Tensor y = Tensor.zeros(in.n(), outChannels, oh, ow);
        ReferenceKernels.shortcutPad(x.array(), x.offset(), in.n(), in.c(), in.h(), in.w(), stride, y.array(), 0,
                outChannels, oh, ow);
        return y;
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.shortcutPad(path, x, stride, outChannels);
    }
}
