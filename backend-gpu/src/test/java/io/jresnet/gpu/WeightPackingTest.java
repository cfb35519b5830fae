package io.jresnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import org.junit.jupiter.api.Test;

class WeightPackingTest {
    @Test
    void convWeightsAreTransposedAndZeroPadded() {
        // K = 3 output channels, Q = C*R*S = 2*1*3 = 6: packed to 16 rows (Q rounded up) x 64 columns (K rounded up).
        Tensor w = Tensor.uniform(Shape.of(3, 2, 1, 3), -1, 1, 1);
        float[] p = WeightPacking.convImplicitGemm(w);
        assertEquals(16 * 64, p.length);
        for (int q = 0; q < 16; q++) {
            for (int k = 0; k < 64; k++) {
                float expected = k < 3 && q < 6 ? w.array()[k * 6 + q] : 0f;
                assertEquals(expected, p[q * 64 + k], "wp[" + q + ", " + k + "]");
            }
        }
    }

    @Test
    void linearRowsArePaddedToFour() {
        Tensor w = Tensor.uniform(Shape.of(2, 5), -1, 1, 2);
        float[] p = WeightPacking.linearRows(w);
        assertEquals(2 * 8, p.length);
        for (int o = 0; o < 2; o++) {
            for (int i = 0; i < 8; i++) assertEquals(i < 5 ? w.get(o, i) : 0f, p[o * 8 + i]);
        }
    }
}
