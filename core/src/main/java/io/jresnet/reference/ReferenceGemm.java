package io.jresnet.reference;


/**
 * The scalar GEMM, the oracle the fast ones are tested against: a triple loop accumulating in
 * double, on the calling thread. The reference backend trains on it.
 */
public final class ReferenceGemm implements Gemm {
    public static final ReferenceGemm INSTANCE = new ReferenceGemm("reference (scalar, 1 thread)");

    private final String description;

    private ReferenceGemm(String description) {
        this.description = description;
    }

    /** The same GEMM, described for a backend that falls back on it (says why in {@link #description()}). */
    public static ReferenceGemm fallback(String why) {
        return new ReferenceGemm(INSTANCE.description + ": " + why);
    }

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
        return description;
    }
}
