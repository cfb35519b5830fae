package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Calibration for {@link CpuTimings}: FMA throughput with 12 independent accumulators, one thread. */
final class FmaPeak {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;

    private FmaPeak() {}

    /** GFLOP/s of {@code iterations} rounds of 12 FMAs. */
    static double gflops(int iterations) {
        FloatVector m = FloatVector.broadcast(F, 0.999f), b = FloatVector.broadcast(F, 1e-3f);
        FloatVector a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b, a8 = b, a9 = b, a10 = b, a11 = b;
        long t = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            a0 = a0.fma(m, b); a1 = a1.fma(m, b); a2 = a2.fma(m, b); a3 = a3.fma(m, b);
            a4 = a4.fma(m, b); a5 = a5.fma(m, b); a6 = a6.fma(m, b); a7 = a7.fma(m, b);
            a8 = a8.fma(m, b); a9 = a9.fma(m, b); a10 = a10.fma(m, b); a11 = a11.fma(m, b);
        }
        long ns = System.nanoTime() - t;
        float sink = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        if (sink == 42f) System.out.print("");
        return 2.0 * 12 * F.length() * iterations / ns;
    }
}
