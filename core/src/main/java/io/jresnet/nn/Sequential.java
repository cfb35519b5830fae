package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;
import java.util.List;

/** Runs its children in order. Children are named "0", "1", ... as in torch.nn.Sequential. */
public final class Sequential extends Module {
    /**
     * A container of these modules, in order.
     *
     * @param modules the children
     */
    public Sequential(Module... modules) {
        this(List.of(modules));
    }

    /**
     * A container of these modules, in order.
     *
     * @param modules the children
     */
    public Sequential(List<? extends Module> modules) {
        for (int i = 0; i < modules.size(); i++) child(Integer.toString(i), modules.get(i));
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return lowerChildren(g, path, x);
    }
}
