package io.jresnet.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jresnet.nn.BatchNorm2d;
import io.jresnet.nn.Linear;
import io.jresnet.tensor.Tensor;
import io.jresnet.train.Tape;
import io.jresnet.train.TapeModel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The oracle against cases worked out by hand. */
class ReferenceKernelsTest {
    private static float[] conv(float[] x, int n, int c, int h, int w, float[] wt, int k, int r, float[] bias,
                                int stride, int pad, int oh, int ow, boolean relu) {
        float[] y = new float[n * k * oh * ow];
        ReferenceKernels.conv2d(x, 0, n, c, h, w, wt, 0, k, r, r, bias, 0, stride, stride, pad, pad, y, 0, oh, ow,
                null, 0, relu);
        return y;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    private static final float[] ONE_TO_NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    @Test
    void conv3x3Padding1SumsTheNeighbourhood() {
        float[] y = conv(ONE_TO_NINE, 1, 1, 3, 3, ones(9), 1, 3, null, 1, 1, 3, 3, false);
        assertArrayEquals(new float[] {12, 21, 16, 27, 45, 33, 24, 39, 28}, y);
    }

    @Test
    void conv3x3Stride2() {
        // windows centred on (0,0), (0,2), (2,0), (2,2)
        float[] y = conv(ONE_TO_NINE, 1, 1, 3, 3, ones(9), 1, 3, null, 2, 1, 2, 2, false);
        assertArrayEquals(new float[] {12, 16, 24, 28}, y);
    }

    @Test
    void conv1x1MixesChannelsAddsBiasAndRelu() {
        float[] x = {1, 2, /* channel 1 */ 3, 4};
        float[] w = {1, 2, /* out 1 */ 3, -1};
        float[] b = {0.5f, -1};
        // out0 = a + 2b + 0.5; out1 = 3a - b - 1
        assertArrayEquals(new float[] {7.5f, 10.5f, -1, 1}, conv(x, 1, 2, 1, 2, w, 2, 1, b, 1, 0, 1, 2, false));
        assertArrayEquals(new float[] {7.5f, 10.5f, 0, 1}, conv(x, 1, 2, 1, 2, w, 2, 1, b, 1, 0, 1, 2, true));
    }

    @Test
    void stem7x7Stride2Pad3CountsTheWindowInsideTheImage() {
        float[] y = conv(ones(49), 1, 1, 7, 7, ones(49), 1, 7, null, 2, 3, 4, 4, false);
        // output (i, j) sees rows/cols [2i-3, 2i+3] clipped to [0, 6]: 4, 6, 6, 4 of them
        int[] span = {4, 6, 6, 4};
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) assertEquals(span[i] * span[j], y[i * 4 + j]);
    }

    @Test
    void nineChannelsNotAMultipleOfTheVectorWidth() {
        float[] x = new float[9 * 2];
        for (int c = 0; c < 9; c++) { x[2 * c] = c; x[2 * c + 1] = -c; }
        float[] y = conv(x, 1, 9, 1, 2, ones(9), 1, 1, null, 1, 0, 1, 2, false);
        assertArrayEquals(new float[] {36, -36}, y);
    }

    @Test
    void batchOfTwoIsTwoIndependentImages() {
        float[] x = new float[18];
        System.arraycopy(ONE_TO_NINE, 0, x, 0, 9);
        for (int i = 0; i < 9; i++) x[9 + i] = -ONE_TO_NINE[i];
        float[] y = conv(x, 2, 1, 3, 3, ones(9), 1, 3, null, 2, 1, 2, 2, false);
        assertArrayEquals(new float[] {12, 16, 24, 28, -12, -16, -24, -28}, y);
    }

    @Test
    void convAddsTheResidual() {
        float[] y = new float[4];
        float[] res = {1, -100, 2, 3};
        ReferenceKernels.conv2d(ONE_TO_NINE, 0, 1, 1, 3, 3, ones(9), 0, 1, 3, 3, null, 0, 2, 2, 1, 1, y, 0, 2, 2,
                res, 0, true);
        assertArrayEquals(new float[] {13, 0, 26, 31}, y);
    }

    @Test
    void maxPool3x3Stride2Pad1() {
        float[] x = new float[16];
        for (int i = 0; i < 16; i++) x[i] = i;
        float[] y = new float[4];
        ReferenceKernels.maxPool(x, 0, 1, 1, 4, 4, 3, 3, 2, 2, 1, 1, y, 0, 2, 2);
        assertArrayEquals(new float[] {5, 7, 13, 15}, y);
    }

    @Test
    void maxPoolIgnoresPaddingEvenForNegativeInputs() {
        float[] x = {-5, -6, -7, -8};
        float[] y = new float[1];
        ReferenceKernels.maxPool(x, 0, 1, 1, 2, 2, 3, 3, 2, 2, 1, 1, y, 0, 1, 1);
        assertEquals(-5, y[0]);
    }

    @Test
    void globalAveragePool() {
        float[] y = new float[2];
        ReferenceKernels.globalAvgPool(new float[] {1, 2, 3, 6, 10, 20, 30, 40}, 0, 1, 2, 4, y, 0);
        assertArrayEquals(new float[] {3, 25}, y);
    }

    @Test
    void linearLayer() {
        Linear fc = new Linear(3, 2);
        fc.weight().value().copyFrom(new float[] {1, 2, 3, 0, -1, 1});
        fc.bias().value().copyFrom(new float[] {1, 0});
        assertArrayEquals(new float[] {7, 0}, fc.forward(Tensor.wrap(new float[] {1, 1, 1}, 1, 3)).toArray());
    }

    @Test
    void shortcutPadSubsamplesAndZeroPads() {
        float[] y = new float[2];
        ReferenceKernels.shortcutPad(new float[] {1, 2, 3, 4}, 0, 1, 1, 2, 2, 2, y, 0, 2, 0, 1, 1);
        assertArrayEquals(new float[] {1, 0}, y);
        float[] both = new float[3]; // one zero channel before, one after
        ReferenceKernels.shortcutPad(new float[] {1, 2, 3, 4}, 0, 1, 1, 2, 2, 2, both, 0, 3, 1, 1, 1);
        assertArrayEquals(new float[] {0, 1, 0}, both);
    }

    @Test
    void softmax() {
        float[] y = new float[4];
        ReferenceKernels.softmax(new float[] {0, (float) Math.log(3), 1000, 1000}, 0, 2, 2, y, 0);
        assertArrayEquals(new float[] {0.25f, 0.75f, 0.5f, 0.5f}, y, 1e-6f);
    }

    @Test
    void batchNormEvalUsesRunningStatistics() {
        BatchNorm2d bn = new BatchNorm2d(1);
        bn.weight().value().fill(2);
        bn.bias().value().fill(1);
        bn.runningMean().value().fill(2.5f);
        bn.runningVar().value().fill(1.25f);
        float[] y = bn.forward(Tensor.wrap(new float[] {1, 2, 3, 4}, 1, 1, 2, 2)).toArray();
        double s = 2 / Math.sqrt(1.25 + 1e-5);
        assertArrayEquals(new float[] {(float) (1 - 1.5 * s), (float) (1 - .5 * s), (float) (1 + .5 * s),
                (float) (1 + 1.5 * s)}, y, 1e-6f);
    }

    @Test
    void batchNormTrainingUsesBatchStatisticsAndUpdatesRunningOnes() {
        BatchNorm2d bn = new BatchNorm2d(1);
        bn.train(true);
        Tape tape = Tape.inference();
        float[] y = new TapeModel(bn).forward(tape.constant(Tensor.wrap(new float[] {1, 2, 3, 4}, 1, 1, 2, 2)), tape)
                .value().toArray();
        double inv = 1 / Math.sqrt(1.25 + 1e-5); // batch mean 2.5, biased variance 1.25
        assertArrayEquals(new float[] {(float) (-1.5 * inv), (float) (-.5 * inv), (float) (.5 * inv),
                (float) (1.5 * inv)}, y, 1e-6f);
        assertEquals(0.25f, bn.runningMean().value().get(0), 1e-7f);
        // running var moves towards the unbiased estimate 1.25 * 4 / 3
        assertEquals(0.9f + 0.1f * (1.25f * 4 / 3), bn.runningVar().value().get(0), 1e-6f);
        assertEquals(1f, bn.stateDict().get("num_batches_tracked").get());
    }
}
