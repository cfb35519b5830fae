package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.TrainingKernels.ConvGeometry;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The parts of {@link WinogradTrainingConv} its convolutions do not show alone (those are in {@code TrainingKernelsWidthTest}). */
class WinogradTrainingConvTest {
    /**
     * The packed weights are {@code G g G^T} with the paper's matrix ({@link WinogradF4x4#transformKernel},
     * in double) to float rounding, for the forward pass and the input gradient (flipped and transposed),
     * with output channels that do not fill a vector (their padding stays zero).
     */
    @Test
    void packedWeightsAreThePapersTransform() {
        int lanes = CpuSpecies.FLOAT.length();
        for (boolean transposed : new boolean[] {false, true}) {
            int cin = 5, cout = lanes + 3;
            float[] wt = new float[cin * cout * 9];
            Random r = new Random(transposed ? 4 : 3);
            for (int i = 0; i < wt.length; i++) wt[i] = (float) r.nextGaussian();
            float[] packed = new float[WinogradPlan.packedFloats(cin, cout, lanes)];
            WinogradPlan p = WinogradPlan.forTraining(1, cin, cout, 4, 4, lanes, VectorTileKernel.ROWS, packed);
            WinogradTrainingConv.packWeights(wt, transposed, cin, cout, p, 0, cin);
            double[] u = new double[36];
            float[] kernel = new float[9];
            for (int o = 0; o < p.groups * p.width; o++) {
                for (int i = 0; i < p.depthStride; i++) {
                    boolean real = o < cout && i < cin;
                    for (int t = 0; t < 9 && real; t++) kernel[t] = transposed ? wt[(i * cout + o) * 9 + 8 - t] : wt[(o * cin + i) * 9 + t];
                    if (real) WinogradF4x4.transformKernel(kernel, 0, u);
                    for (int xi = 0; xi < 36; xi++) {
                        float got = packed[p.weightOffset(xi, o / p.width, i) + o % p.width];
                        assertEquals(real ? u[xi] : 0, got, real ? 2e-6 * (1 + Math.abs(u[xi])) : 0,
                                "transposed " + transposed + ", output " + o + ", input " + i + ", position " + xi);
                    }
                }
            }
        }
    }

    /**
     * The kernel gradient is the transpose of the kernel transform: for any kernel {@code g} and any
     * {@code dU}, {@code <G g G^T, dU> = <g, G^T dU G>}, checked lane by lane.
     */
    @Test
    void theKernelGradientIsTheTransformsTranspose() {
        int lanes = CpuSpecies.FLOAT.length();
        Random r = new Random(5);
        float[] du = new float[36 * lanes], tmp = new float[27 * lanes], dw = new float[lanes * 9];
        for (int i = 0; i < du.length; i++) du[i] = (float) r.nextGaussian();
        WinogradTrainingConv.addKernelGradients(du, tmp, dw, 1, 0, 0, lanes);
        for (int l = 0; l < lanes; l++) {
            float[] g = new float[9];
            for (int k = 0; k < 9; k++) g[k] = (float) r.nextGaussian();
            double[] u = new double[36];
            WinogradF4x4.transformKernel(g, 0, u);
            double left = 0, right = 0, scale = 0;
            for (int xi = 0; xi < 36; xi++) {
                left += u[xi] * du[xi * lanes + l];
                scale += Math.abs(u[xi] * du[xi * lanes + l]);
            }
            for (int k = 0; k < 9; k++) right += g[k] * dw[l * 9 + k];
            assertEquals(left, right, 1e-5 * scale, "lane " + l);
        }
    }

    @Test
    void onlyThreeByThreeStrideOneLayersWithThirtyTwoChannelsEachWay() {
        assertTrue(WinogradTrainingConv.handles(new ConvGeometry(1, 32, 7, 7, 32, 3, 1, 1)));
        assertFalse(WinogradTrainingConv.handles(new ConvGeometry(1, 16, 28, 28, 32, 3, 1, 1)), "16 in");
        assertFalse(WinogradTrainingConv.handles(new ConvGeometry(1, 32, 28, 28, 16, 3, 1, 1)), "16 out");
        assertFalse(WinogradTrainingConv.handles(new ConvGeometry(1, 32, 28, 28, 32, 3, 2, 1)), "stride 2");
        assertFalse(WinogradTrainingConv.handles(new ConvGeometry(1, 32, 28, 28, 32, 1, 1, 0)), "1x1");
    }
}
