package io.jresnet.cpu;

import io.jresnet.backend.TrainingKernels.ConvGeometry;
import io.jresnet.reference.ReferenceTrainingKernels;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link BorderedPlaneConv}'s three passes against the reference's direct-loop-checked convolution, on
 * their own (the cpu kernels route small planes' weight gradients elsewhere): odd channel counts,
 * non-square and 1-pixel planes, batches that leave a thread no image or split into several chunks,
 * and inputs at an offset.
 */
class BorderedPlaneConvTest {
    private static final Tolerance KERNEL = new Tolerance(1e-5, 1e-4);

    private static float[] uniform(int size, long seed) {
        return Tensor.uniform(Shape.of(size), -1, 1, seed).array();
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        Tensor e = Tensor.wrap(expected, Shape.of(expected.length)), a = Tensor.wrap(actual, Shape.of(actual.length));
        KERNEL.relativeTo(e).assertClose(e, a, what);
    }

    @ParameterizedTest(name = "n{0} c{1} {2}x{3} k{4}")
    @CsvSource({"1,1,1,1,1", "1,3,1,5,2", "2,5,4,3,7", "3,17,9,9,5", "7,2,30,30,3", "4,9,7,11,13", "13,4,13,13,6",
        // small planes whose thread ranges end in a partial chunk: 114 + 36 and 92 + 92 + 16 images; and
        // 410 + 2 images of 4x3, where the last vector of the 2-image chunk's weight-gradient sweep reaches
        // into the unused third slot (at 16 lanes), which holds the previous chunk's gradient
        "300,2,7,8,3", "400,1,9,8,2", "824,1,4,3,2",
        // rows copied as whole vectors that spill past the row and, after an image's last row, past the image
        "2,3,28,28,4", "3,2,14,14,5", "5,2,3,17,3", "6,3,5,2,2"})
    void everyPassMatchesTheReference(int n, int c, int h, int w, int k) {
        ConvGeometry g = new ConvGeometry(n, c, h, w, k, 3, 1, 1);
        int in = n * c * h * w, out = n * k * h * w, xOff = 3;
        float[] x = uniform(in + xOff, 1), wt = uniform(k * c * 9, 2), bias = uniform(k, 3), dy = uniform(out, 4);
        ReferenceTrainingKernels reference = new ReferenceTrainingKernels();
        try (WorkerPool pool = new WorkerPool(2)) {
            BorderedPlaneConv bordered = new BorderedPlaneConv(new VectorGemm(pool));
            for (boolean withBias : new boolean[] {false, true}) {
                float[] expected = new float[out], actual = new float[out];
                reference.conv(g, x, xOff, wt, withBias ? bias : null, expected);
                bordered.forward(g, x, xOff, wt, withBias ? bias : null, actual);
                assertClose(expected, actual, "forward" + (withBias ? " with bias" : ""));
            }
            // Gradients add into what is there: start both from the same non-zero values.
            float[] dxE = uniform(in, 5), dwE = uniform(wt.length, 6), dbE = uniform(k, 7);
            float[] dxA = dxE.clone(), dwA = dwE.clone(), dbA = dbE.clone();
            reference.convBackward(g, x, xOff, wt, dy, dxE, dwE, dbE);
            bordered.backward(g, x, xOff, wt, dy, dxA, dwA, dbA);
            assertClose(dxE, dxA, "input gradient");
            assertClose(dwE, dwA, "weight gradient");
            assertClose(dbE, dbA, "bias gradient");
            float[] dwOnly = uniform(wt.length, 6);
            bordered.backward(g, x, xOff, wt, dy, null, dwOnly, null); // the same call without the other gradients
            assertClose(dwE, dwOnly, "weight gradient alone");
        }
    }
}
