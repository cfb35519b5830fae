package io.jresnet.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's FP32 FMA throughput from Java: 12 independent accumulators (more than the FMA
 * latency x issue width, so the units never wait), no memory traffic. One "operation" is one vector
 * FMA of {@code S.length()} lanes (8 on AVX2, 16 on AVX-512); GFLOP/s = 2 x ops/us x lanes / 1000.
 * This is the 100% that kernel efficiency is quoted against.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PeakFmaBenchmark {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int STEPS = 1 << 12;

    float seed = 1.0001f;

    /**
     * Vector FMAs per call: steps x accumulators. JMH needs a compile-time constant, so the lane
     * count (known only at run time) is applied when reading the score, as in the class comment.
     */
    static final int FMAS_PER_CALL = STEPS * 12;

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(FMAS_PER_CALL)
    public float fmaOneThread() {
        return fma();
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(FMAS_PER_CALL)
    public float fmaTwoThreads() {
        return fma();
    }

    private float fma() {
        FloatVector a = FloatVector.broadcast(S, seed), b = FloatVector.broadcast(S, 0.9999f);
        FloatVector c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (int i = 0; i < STEPS; i++) {
            c0 = c0.fma(b, a); c1 = c1.fma(b, a); c2 = c2.fma(b, a); c3 = c3.fma(b, a);
            c4 = c4.fma(b, a); c5 = c5.fma(b, a); c6 = c6.fma(b, a); c7 = c7.fma(b, a);
            c8 = c8.fma(b, a); c9 = c9.fma(b, a); c10 = c10.fma(b, a); c11 = c11.fma(b, a);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
