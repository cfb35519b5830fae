package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.TrainingKernels.ConvGeometry;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The parts of {@link WinogradTrainingConv} its convolutions do not show alone (those are in {@code TrainingKernelsWidthTest}). */
class WinogradTrainingConvTest {
    /** The factored weight transform is {@code G g G^T} with the paper's matrix, to double rounding. */
    @Test
    void theFactoredKernelTransformIsThePapers() {
        Random r = new Random(3);
        for (int trial = 0; trial < 100; trial++) {
            float[] g = new float[9];
            double[] gd = new double[9], fast = new double[36], plain = new double[36];
            for (int i = 0; i < 9; i++) gd[i] = g[i] = (float) r.nextGaussian();
            WinogradTrainingConv.transformKernel(gd, fast, new double[18]);
            WinogradF4x4.transformKernel(g, 0, plain);
            for (int xi = 0; xi < 36; xi++) assertEquals(plain[xi], fast[xi], 1e-14, "position " + xi);
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
