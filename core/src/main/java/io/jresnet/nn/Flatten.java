package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;
import io.jresnet.tensor.Tensor;

/** {@code [N, ...] -> [N, features]}; shares storage with its input. */
public final class Flatten extends Module {
    @Override
    public Tensor forward(Tensor x) {
        int n = x.shape().dim(0);
        return x.reshape(n, n == 0 ? 0 : x.size() / n);
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.flatten(path, x);
    }
}
