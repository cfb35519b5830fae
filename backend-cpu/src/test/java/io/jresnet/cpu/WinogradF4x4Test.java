package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The matrices of {@link WinogradF4x4} compute a 3x3 correlation: {@code A^T [(G g G^T) ⊙ (B^T d B)] A}
 * in double equals the direct sums over a 6x6 tile, and the float transforms stay within float
 * rounding of it.
 */
class WinogradF4x4Test {
    @Test
    void transformsComputeTheCorrelationOfATile() {
        Random random = new Random(61);
        for (int trial = 0; trial < 20; trial++) {
            float[] d = new float[36], g = new float[9];
            for (int i = 0; i < d.length; i++) d[i] = random.nextFloat() * 2 - 1;
            for (int i = 0; i < g.length; i++) g[i] = random.nextFloat() * 2 - 1;
            double[] u = new double[36];
            WinogradF4x4.transformKernel(g, 0, u);
            double[] dd = new double[36];
            for (int i = 0; i < 36; i++) dd[i] = d[i];
            double[] v = apply(WinogradF4x4.BT, dd, 6);
            double[] m = new double[36];
            for (int xi = 0; xi < 36; xi++) m[xi] = u[xi] * v[xi];
            double[] y = apply(WinogradF4x4.AT, m, 4);
            float[] vf = new float[36], mf = new float[36], yf = new float[16];
            WinogradF4x4.transformInput(d, vf, 0, new float[36]);
            for (int xi = 0; xi < 36; xi++) mf[xi] = (float) u[xi] * vf[xi];
            WinogradF4x4.transformOutput(mf, yf, new float[36]);
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 4; c++) {
                    double direct = 0;
                    for (int a = 0; a < 3; a++) {
                        for (int b = 0; b < 3; b++) direct += (double) d[(r + a) * 6 + c + b] * g[a * 3 + b];
                    }
                    assertEquals(direct, y[r * 4 + c], 1e-12, "double, output " + r + "," + c);
                    assertEquals(direct, yf[r * 4 + c], 1e-5, "float, output " + r + "," + c);
                }
            }
        }
    }

    /** {@code t x t^T} for a matrix {@code t} of {@code rows x 6} and a 6x6 {@code x}. */
    private static double[] apply(double[][] t, double[] x, int rows) {
        double[] out = new double[rows * rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < rows; j++) {
                double s = 0;
                for (int a = 0; a < 6; a++) {
                    for (int b = 0; b < 6; b++) s += t[i][a] * x[a * 6 + b] * t[j][b];
                }
                out[i * rows + j] = s;
            }
        }
        return out;
    }
}
