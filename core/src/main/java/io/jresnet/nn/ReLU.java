package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;

/** {@code y = max(x, 0)}. */
public final class ReLU extends Module {
    /** A layer without parameters. */
    public ReLU() {}

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.relu(path, x);
    }
}
