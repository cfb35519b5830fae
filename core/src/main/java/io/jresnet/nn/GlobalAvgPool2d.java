package io.jresnet.nn;

import io.jresnet.ShapeException;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.reference.ReferenceKernels;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/** Mean over height and width, {@code [N, C, H, W] -> [N, C, 1, 1]} (torch's AdaptiveAvgPool2d(1)). */
public final class GlobalAvgPool2d extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Shape in = x.shape();
        if (in.rank() != 4) throw new ShapeException("GlobalAvgPool2d: expected NCHW, found " + in);
        Tensor y = Tensor.zeros(in.n(), in.c(), 1, 1);
        ReferenceKernels.globalAvgPool(x.array(), x.offset(), in.n(), in.c(), in.h() * in.w(), y.array(), 0);
        return y;
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.globalAvgPool(path, x);
    }
}
