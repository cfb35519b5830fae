package io.jresnet.reference;

/**
 * Single-precision matrix multiply on row-major float arrays, the one kernel that convolution
 * (through im2col), its backward passes and the linear layers reduce to:
 * {@code C = alpha * op(A) * op(B) + beta * C}, with {@code op(X) = X} or {@code X^T}.
 *
 * <p>{@code op(A)} is {@code m x k}, {@code op(B)} is {@code k x n}, {@code C} is {@code m x n}.
 * {@code lda}, {@code ldb}, {@code ldc} are the row strides of A, B, C as stored (for a transposed
 * operand, the stride of the stored, untransposed matrix). Implementations may split the work over
 * threads; calls from different threads must be safe.
 *
 * <p>Not an SPI of its own: it is what {@link ReferenceTrainingKernels} multiplies on and splits its
 * loops over; a backend hands its GEMM to the training kernels it builds on them ({@link ReferenceGemm}
 * for the reference backend, the cpu backend's Vector API one).
 */
public interface Gemm {
    /**
     * Computes {@code C = alpha * op(A) * op(B) + beta * C}.
     *
     * @param transA whether {@code op(A)} is A transposed
     * @param transB whether {@code op(B)} is B transposed
     * @param m rows of {@code op(A)} and C
     * @param n columns of {@code op(B)} and C
     * @param k columns of {@code op(A)}, rows of {@code op(B)}
     * @param alpha the product's factor
     * @param a A's array
     * @param aOff A's first element in {@code a}
     * @param lda A's row stride as stored
     * @param b B's array
     * @param bOff B's first element in {@code b}
     * @param ldb B's row stride as stored
     * @param beta C's factor; 0 ignores C's old contents (NaNs included)
     * @param c C's array, written
     * @param cOff C's first element in {@code c}
     * @param ldc C's row stride
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
               float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);

    /** One share of a job split over threads: share {@code worker} of {@code workers}. */
    @FunctionalInterface
    interface Task {
        /**
         * Does one share of the work.
         *
         * @param worker this share's index, from 0
         * @param workers how many shares there are
         */
        void run(int worker, int workers);
    }

    /** {@return the threads this GEMM splits its work over; 1 for a single-threaded GEMM} */
    default int threads() {
        return 1;
    }

    /**
     * Runs {@code task} once per thread of this GEMM ({@code run(worker, threads())} for every
     * worker), all shares at once, and returns when every share is done. The element-wise work around
     * the GEMM in training (im2col, normalisation, activations) runs here, on the same fixed threads,
     * rather than on a second pool competing for the cores. Shares must touch disjoint outputs. Must not
     * be called from inside a task or a GEMM call of this GEMM. The default runs the one share on the
     * caller.
     *
     * @param task the work, split by share index
     */
    default void parallel(Task task) {
        task.run(0, 1);
    }

    /**
     * The same GEMM computed on the calling thread only, for use inside a {@link #parallel} task
     * (where calling this GEMM itself is not allowed): each share then runs its own multiplies. Safe
     * to call from several threads at once. The default is this GEMM, right for a single-threaded one.
     *
     * @return the single-threaded GEMM
     */
    default Gemm singleThreaded() {
        return this;
    }

    /** {@return a short description for logs and benchmarks, e.g. "Vector API 256-bit, 2 threads"} */
    String description();
}
