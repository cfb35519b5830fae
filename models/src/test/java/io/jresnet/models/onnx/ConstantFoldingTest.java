package io.jresnet.models.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.UnsupportedLayerException;
import org.junit.jupiter.api.Test;

/** The shape ops exporters emit around pads and reshapes, folded at import (values as ONNX Runtime computes them). */
class ConstantFoldingTest {
    @Test
    void constantOfShapeFillsWithItsValueOrFloatZero() {
        Constant zeros = ConstantFolding.constantOfShape(Constant.vector(2, 3), null);
        assertArrayEquals(new long[] {2, 3}, zeros.dims());
        assertArrayEquals(new float[6], zeros.floats());
        Constant sevens = ConstantFolding.constantOfShape(Constant.vector(4), Constant.ofInts(new long[] {1}, new long[] {7}));
        assertArrayEquals(new long[] {7, 7, 7, 7}, sevens.ints());
        Constant empty = ConstantFolding.constantOfShape(Constant.vector(0), null);
        assertArrayEquals(new long[] {0}, empty.dims());
        assertThrows(UnsupportedLayerException.class, () -> ConstantFolding.constantOfShape(Constant.vector(-1), null));
        UnsupportedLayerException huge = assertThrows(UnsupportedLayerException.class,
                () -> ConstantFolding.constantOfShape(Constant.vector(1 << 20, 1 << 20), null));
        assertTrue(huge.getMessage().contains("too large to fold"), huge.getMessage());
    }

    @Test
    void rangeCountsAsOnnxDoes() {
        assertArrayEquals(new long[] {3, 5, 7}, ConstantFolding.range(Constant.scalar(3), Constant.scalar(9),
                Constant.scalar(2)).ints());
        assertArrayEquals(new long[] {10, 7, 4}, ConstantFolding.range(Constant.scalar(10), Constant.scalar(1),
                Constant.scalar(-3)).ints());
        assertArrayEquals(new long[0], ConstantFolding.range(Constant.scalar(5), Constant.scalar(1),
                Constant.scalar(1)).ints());
        Constant f = ConstantFolding.range(Constant.ofFloats(new long[0], new float[] {0.5f}),
                Constant.ofFloats(new long[0], new float[] {2f}), Constant.ofFloats(new long[0], new float[] {0.5f}));
        assertArrayEquals(new float[] {0.5f, 1f, 1.5f}, f.floats());
        assertThrows(UnsupportedLayerException.class, () -> ConstantFolding.range(Constant.scalar(0), Constant.scalar(4),
                Constant.scalar(0)));
    }
}
