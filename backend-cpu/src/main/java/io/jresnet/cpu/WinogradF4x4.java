package io.jresnet.cpu;

/**
 * Winograd's minimal filtering algorithm {@code F(4x4, 3x3)} (Lavin and Gray 2016, "Fast Algorithms
 * for Convolutional Neural Networks", with the matrices they give for F(4,3)): a 4x4 block of a 3x3
 * correlation is
 * {@code Y = A^T [(G g G^T) ⊙ (B^T d B)] A} for a 6x6 input tile {@code d} and a 3x3 kernel
 * {@code g}: 36 multiplies instead of 144. The interpolation points are 0, ±1, ±2 and ∞.
 *
 * <p>The matrices are stored as written in the paper. This class transforms weights (once per layer,
 * in double) and holds the plain matrix-product forms of the input and output transforms, which the
 * scalar kernels use; {@link VectorWinogradKernels} uses factored forms of the same matrices.
 */
final class WinogradF4x4 {
    /** Output tile side. */
    static final int M = 4;
    /** Input tile side: {@code M + 3 - 1}. */
    static final int T = 6;
    /** Transformed positions {@code ξ = row * T + column}: one GEMM each. */
    static final int POSITIONS = T * T;

    static final double[][] BT = {
            {4, 0, -5, 0, 1, 0},
            {0, -4, -4, 1, 1, 0},
            {0, 4, -4, -1, 1, 0},
            {0, -2, -1, 2, 1, 0},
            {0, 2, -1, -2, 1, 0},
            {0, 4, 0, -5, 0, 1}};

    static final double[][] G = {
            {1 / 4.0, 0, 0},
            {-1 / 6.0, -1 / 6.0, -1 / 6.0},
            {-1 / 6.0, 1 / 6.0, -1 / 6.0},
            {1 / 24.0, 1 / 12.0, 1 / 6.0},
            {1 / 24.0, -1 / 12.0, 1 / 6.0},
            {0, 0, 1}};

    static final double[][] AT = {
            {1, 1, 1, 1, 1, 0},
            {0, 1, -1, 2, -2, 0},
            {0, 1, 1, 4, 4, 0},
            {0, 1, -1, 8, -8, 1}};

    private WinogradF4x4() {}

    /**
     * {@code u = G g G^T} for the 3x3 kernel {@code g[off + r * 3 + s]}, in double, so the only
     * rounding is the final one to float ({@code u[ξ]}, {@code ξ = row * 6 + column}).
     */
    static void transformKernel(float[] g, int off, double[] u) {
        double[] gg = new double[T * 3];
        for (int i = 0; i < T; i++) {
            for (int s = 0; s < 3; s++) {
                double v = 0;
                for (int r = 0; r < 3; r++) v += G[i][r] * g[off + r * 3 + s];
                gg[i * 3 + s] = v;
            }
        }
        for (int i = 0; i < T; i++) {
            for (int j = 0; j < T; j++) {
                double v = 0;
                for (int s = 0; s < 3; s++) v += gg[i * 3 + s] * G[j][s];
                u[i * T + j] = v;
            }
        }
    }

    /**
     * {@code v[vOff + ξ] = (B^T d B)[ξ]} of a 6x6 tile {@code d[r * 6 + c]}, in float; {@code tmp}
     * holds 36 floats.
     */
    static void transformInput(float[] d, float[] v, int vOff, float[] tmp) {
        multiply(BT, d, tmp, T);
        multiplyTransposed(tmp, BT, v, vOff, T, T);
    }

    /** {@code y = A^T m A}: the 4x4 outputs {@code y[r * 4 + c]} of 36 products; {@code tmp} holds 24 floats. */
    static void transformOutput(float[] m, float[] y, float[] tmp) {
        multiply(AT, m, tmp, M);
        multiplyTransposed(tmp, AT, y, 0, M, M);
    }

    /** {@code out[rows x 6] = a[rows x 6] * in[6 x 6]}. */
    private static void multiply(double[][] a, float[] in, float[] out, int rows) {
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < T; c++) {
                float v = 0;
                for (int k = 0; k < T; k++) v += (float) a[i][k] * in[k * T + c];
                out[i * T + c] = v;
            }
        }
    }

    /** {@code out[outOff + (rows x cols)] = in[rows x 6] * a^T}, where {@code a} is {@code cols x 6}. */
    private static void multiplyTransposed(float[] in, double[][] a, float[] out, int outOff, int rows, int cols) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float v = 0;
                for (int k = 0; k < T; k++) v += in[i * T + k] * (float) a[j][k];
                out[outOff + i * cols + j] = v;
            }
        }
    }
}
