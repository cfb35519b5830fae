package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;

/** Mean over height and width, {@code [N, C, H, W] -> [N, C, 1, 1]} (torch's AdaptiveAvgPool2d(1)). */
public final class GlobalAvgPool2d extends Module {
    /** A layer without parameters. */
    public GlobalAvgPool2d() {}

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.globalAvgPool(path, x);
    }
}
