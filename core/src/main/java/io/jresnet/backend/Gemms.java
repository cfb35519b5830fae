package io.jresnet.backend;

import java.util.ServiceLoader;

/** The scalar reference {@link Gemm}, and lookup of the fastest available one. */
public final class Gemms {
    private Gemms() {}

    /** Plain triple loop with double accumulation: the oracle for every faster GEMM. */
    public static final Gemm REFERENCE = new Gemm() {
        @Override
        public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
                          int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) {
                        float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                        float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                        acc += (double) av * bv;
                    }
                    int ci = cOff + i * ldc + j;
                    c[ci] = (float) (alpha * acc + (beta == 0 ? 0 : beta * c[ci]));
                }
            }
        }

        @Override
        public String description() {
            return "reference (scalar, 1 thread)";
        }
    };

    /**
     * The available provider's GEMM with the highest priority, or {@link #REFERENCE}. The system
     * property {@code jresnet.gemm=reference} forces the reference.
     */
    public static Gemm best(int threads) {
        if ("reference".equals(System.getProperty("jresnet.gemm"))) return REFERENCE;
        // One GEMM (and so one worker pool) per thread count for the whole JVM: a GEMM is safe to share
        // between callers, and creating one per trainer or evaluation would leave idle pools behind.
        return SHARED.computeIfAbsent(threads, Gemms::create);
    }

    private static final java.util.Map<Integer, Gemm> SHARED = new java.util.concurrent.ConcurrentHashMap<>();

    private static Gemm create(int threads) {
        GemmProvider bestProvider = null;
        for (GemmProvider p : ServiceLoader.load(GemmProvider.class, Gemms.class.getClassLoader())) {
            Availability a;
            try {
                a = p.probe();
            } catch (RuntimeException | LinkageError e) {
                continue;
            }
            if (a.available() && (bestProvider == null || p.priority() > bestProvider.priority())) bestProvider = p;
        }
        return bestProvider == null ? REFERENCE : bestProvider.create(threads);
    }
}
