package io.jresnet.cpu;

import io.jresnet.plan.PlanOp;

/**
 * A per-channel affine map in the blocked layout, with scale and shift padded to whole blocks so the
 * kernel loads them as vectors. Items are {@code (image, block)}.
 */
record AffinePlan(String name, Blocked geometry, float[] scale, float[] shift, boolean relu) {
    static AffinePlan create(PlanOp.Affine a, Blocked g) {
        int padded = g.blocks() * g.lanes();
        float[] scale = new float[padded];
        float[] shift = new float[padded];
        System.arraycopy(a.scale().array(), a.scale().offset(), scale, 0, g.c());
        System.arraycopy(a.shift().array(), a.shift().offset(), shift, 0, g.c());
        return new AffinePlan(a.name(), g, scale, shift, a.relu());
    }

    int items() {
        return geometry.n() * geometry.blocks();
    }
}
