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

    /** A short description for logs and benchmarks, e.g. "Vector API 256-bit, 2 threads". */
    String description();
}
