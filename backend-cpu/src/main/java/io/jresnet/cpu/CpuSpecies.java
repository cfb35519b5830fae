package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species every vector kernel uses, fixed once per JVM. Kernels copy it into their own
 * {@code static final} field and use it directly in their hot loops (a species passed as a parameter
 * defeats C2's intrinsics and runs 15-30x slower).
 */
final class CpuSpecies {
    static final VectorSpecies<Float> FLOAT = choose(CpuSettings.requestedVectorBits());

    private CpuSpecies() {}

    private static VectorSpecies<Float> choose(int bits) {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (bits <= 0 || bits >= preferred.vectorBitSize()) return preferred;
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }

    /** Per-thread room for one vector's lanes: {@code v.intoArray(lanes(), 0)} before {@link #sumInLaneOrder}. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[FLOAT.length()]);

    static float[] lanes() {
        return LANES.get();
    }

    /**
     * The sum of a vector's lanes, stored in {@code lanes} by the caller, added in lane order.
     * {@code reduceLanes(ADD)} leaves the order open, and its C2 intrinsic and its interpreted fallback
     * add in different orders, so a kernel using it gives different float results before and after C2
     * compiles it; this gives the same in every tier. It takes the stored lanes, not the vector: a
     * vector passed to a method C2 did not inline is boxed on every call.
     */
    static float sumInLaneOrder(float[] lanes) {
        float s = 0f;
        for (float lane : lanes) s += lane;
        return s;
    }

    /** Bits of the preferred species, for the probe's device description. */
    static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
