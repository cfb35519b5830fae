package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;

/** {@code [N, ...] -> [N, features]}; shares storage with its input. */
public final class Flatten extends Module {
    /** A layer without parameters. */
    public Flatten() {}

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.flatten(path, x);
    }
}
