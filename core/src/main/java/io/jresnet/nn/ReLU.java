package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;
import io.jresnet.tensor.Tensor;

/** {@code y = max(x, 0)}. */
public final class ReLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        Tensor y = Tensor.zeros(x.shape());
        float[] a = x.array();
        for (int i = 0; i < y.size(); i++) y.array()[i] = Math.max(a[x.offset() + i], 0f);
        return y;
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.relu(path, x);
    }
}
