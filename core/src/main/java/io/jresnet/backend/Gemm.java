package io.jresnet.backend;

/**
 * Single-precision matrix multiply on row-major float arrays, the one kernel that convolution
 * (through im2col), its backward passes and the linear layers reduce to:
 * {@code C = alpha * op(A) * op(B) + beta * C}, with {@code op(X) = X} or {@code X^T}.
 *
 * <p>{@code op(A)} is {@code m x k}, {@code op(B)} is {@code k x n}, {@code C} is {@code m x n}.
 * {@code lda}, {@code ldb}, {@code ldc} are the row strides of A, B, C as stored (for a transposed
 * operand, the stride of the stored, untransposed matrix). Implementations may split the work over
 * threads; calls from different threads must be safe.
 */
public interface Gemm {
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
               float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);

    /** One share of a job split over threads: share {@code worker} of {@code workers}. */
    @FunctionalInterface
    interface Task {
        void run(int worker, int workers);
    }

    /** The threads this GEMM splits its work over; 1 for a single-threaded GEMM. */
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
     */
    default void parallel(Task task) {
        task.run(0, 1);
    }

    /**
     * The same GEMM computed on the calling thread only, for use inside a {@link #parallel} task
     * (where calling this GEMM itself is not allowed): each share then runs its own multiplies. Safe
     * to call from several threads at once. The default is this GEMM, right for a single-threaded one.
     */
    default Gemm singleThreaded() {
        return this;
    }

    /** A short description for logs and benchmarks, e.g. "Vector API 256-bit, 2 threads". */
    String description();
}
