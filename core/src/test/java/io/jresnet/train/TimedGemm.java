package io.jresnet.train;

import io.jresnet.backend.Gemm;

/**
 * A {@link Gemm} that forwards to another and adds up the wall time and multiply-adds of the calls
 * made on the thread that created it, so a throughput run can tell the time spent in the GEMM from
 * the time spent around it. Calls from inside {@link #parallel} shares go through
 * {@link #singleThreaded()}; only the creating thread's share is timed, which, the shares being
 * equal, stands for the wall time of the multiply part of the op.
 */
final class TimedGemm implements Gemm {
    private final Gemm inner;
    private final Thread owner = Thread.currentThread();
    private final Gemm timedSingleThreaded;
    private long nanos;
    private long macs;

    TimedGemm(Gemm inner) {
        this.inner = inner;
        Gemm single = inner.singleThreaded();
        this.timedSingleThreaded = new Gemm() {
            @Override
            public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
                              int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
                timed(single, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }

            @Override
            public String description() {
                return single.description();
            }
        };
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        timed(inner, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    private void timed(Gemm g, boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
                       int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (Thread.currentThread() != owner) {
            g.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        long t0 = System.nanoTime();
        g.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        nanos += System.nanoTime() - t0;
        macs += (long) m * n * k;
    }

    @Override
    public int threads() {
        return inner.threads();
    }

    @Override
    public void parallel(Gemm.Task task) {
        inner.parallel(task);
    }

    @Override
    public Gemm singleThreaded() {
        return timedSingleThreaded;
    }

    @Override
    public String description() {
        return inner.description();
    }

    void reset() {
        nanos = macs = 0;
    }

    /** Wall time of the timed calls. */
    long nanos() {
        return nanos;
    }

    /** Multiply-adds of the timed calls. */
    long macs() {
        return macs;
    }
}
