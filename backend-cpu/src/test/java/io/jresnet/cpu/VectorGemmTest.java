package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.reference.Gemm;
import io.jresnet.reference.ReferenceGemm;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** {@link VectorGemm} against {@link ReferenceGemm} on odd sizes, every transpose, beta 0 and 1. */
class VectorGemmTest {
    private static final int[] SIZES = {1, 7, 17, 64, 100, 257};

    @Test
    void matchesTheReferenceOnOddSizes() {
        try (WorkerPool pool = new WorkerPool(2)) {
            Gemm gemm = new VectorGemm(pool);
            SplittableRandom random = new SplittableRandom(11);
            for (int m : SIZES) {
                for (int n : SIZES) {
                    for (int k : SIZES) {
                        for (int t = 0; t < 4; t++) {
                            for (float beta : new float[] {0f, 1f}) {
                                check(gemm, (t & 1) != 0, (t & 2) != 0, m, n, k, 0.5f, beta, random);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void honoursOffsetsStridesAndAlphaBeta() {
        try (WorkerPool pool = new WorkerPool(1)) {
            check(new VectorGemm(pool), true, false, 33, 45, 600, -1.5f, 0.25f, new SplittableRandom(3));
        }
    }

    /** beta == 0 must overwrite C without reading it, so NaN in C does not leak into the result. */
    @Test
    void betaZeroIgnoresNaNInC() {
        try (WorkerPool pool = new WorkerPool(2)) {
            float[] a = new float[20 * 30], b = new float[30 * 40], c = new float[20 * 40];
            java.util.Arrays.fill(a, 1f);
            java.util.Arrays.fill(b, 2f);
            java.util.Arrays.fill(c, Float.NaN);
            new VectorGemm(pool).sgemm(false, false, 20, 40, 30, 1f, a, 0, 30, b, 0, 40, 0f, c, 0, 40);
            for (float v : c) assertEquals(60f, v);
        }
    }

    /** Several caller threads sharing one GEMM (and its pool) each get their own correct result. */
    @Test
    void concurrentCallersAreSafe() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            Gemm gemm = new VectorGemm(pool);
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    done.add(callers.submit(() -> {
                        SplittableRandom random = new SplittableRandom(seed);
                        for (int i = 0; i < 20; i++) check(gemm, i % 2 == 0, i % 3 == 0, 70, 90, 300, 1f, 0f, random);
                    }));
                }
                for (Future<?> f : done) f.get();
            } finally {
                callers.shutdown();
            }
        }
    }

    /** The backend trains on its VectorGemm, on its own threads, and stops them when closed. */
    @Test
    void theBackendsGemmIsTheVectorGemmOnItsPool() {
        CpuBackend cpu = new CpuBackend(io.jresnet.backend.BackendOptions.threads(2));
        Gemm gemm = ((io.jresnet.reference.ReferenceTrainingKernels) cpu.newTrainingKernels()).gemm();
        assertTrue(gemm instanceof VectorGemm, gemm.description());
        assertEquals(2, gemm.threads());
        check(gemm, false, true, 33, 47, 29, 1f, 0f, new SplittableRandom(3));
        cpu.close();
        assertThrows(io.jresnet.BackendException.class,
                () -> gemm.sgemm(false, false, 64, 64, 64, 1f, new float[4096], 0, 64, new float[4096], 0, 64, 0f,
                        new float[4096], 0, 64));
    }

    private static void check(Gemm gemm, boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                              SplittableRandom random) {
        // Leading dimensions larger than the operand and non-zero offsets, to catch stride mistakes.
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 5;
        int aOff = 7, bOff = 5, cOff = 3;
        float[] a = fill(aOff + (transA ? k : m) * lda, random);
        float[] b = fill(bOff + (transB ? n : k) * ldb, random);
        float[] c = fill(cOff + m * ldc, random);
        float[] expected = c.clone();
        ReferenceGemm.INSTANCE.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc);
        gemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        for (int i = 0; i < c.length; i++) {
            double tolerance = 1e-4 * Math.sqrt(k) + 1e-5 * Math.abs(expected[i]);
            if (Math.abs(c[i] - expected[i]) > tolerance) {
                throw new AssertionError("transA=" + transA + " transB=" + transB + " m=" + m + " n=" + n + " k=" + k
                        + " beta=" + beta + ": C[" + i + "] = " + c[i] + ", expected " + expected[i]);
            }
        }
    }

    private static float[] fill(int size, SplittableRandom random) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (random.nextDouble() * 2 - 1);
        return x;
    }
}
