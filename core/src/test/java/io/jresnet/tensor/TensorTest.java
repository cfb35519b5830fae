package io.jresnet.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.ShapeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void reshapeSharesStorageAndChecksSize() {
        Tensor t = Tensor.zeros(2, 3, 4, 4);
        Tensor flat = t.reshape(2, 48);
        flat.set(5f, 1, 47);
        assertEquals(5f, t.get(1, 2, 3, 3));
        ShapeException e = assertThrows(ShapeException.class, () -> t.reshape(2, 47));
        assertTrue(e.getMessage().contains("[2, 3, 4, 4]") && e.getMessage().contains("[2, 47]"), e.getMessage());
    }

    @Test
    void sliceIsAViewOfTheBatch() {
        Tensor t = Tensor.wrap(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor s = t.slice(1, 3);
        assertEquals(Shape.of(2, 2), s.shape());
        assertArrayEquals(new float[] {3, 4, 5, 6}, s.toArray());
        assertThrows(ShapeException.class, () -> t.slice(2, 4));
    }

    @Test
    void copiesInAndOutOfArraysBuffersAndSegments() {
        Tensor t = Tensor.zeros(1, 2, 1, 2);
        float[] src = {1, 2, 3, 4};
        t.copyFrom(src);
        FloatBuffer fb = FloatBuffer.allocate(4);
        t.copyTo(fb);
        assertArrayEquals(src, fb.array());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(16);
            t.copyTo(seg);
            Tensor u = Tensor.zeros(4).copyFrom(seg);
            assertArrayEquals(src, u.toArray());
            assertThrows(ShapeException.class, () -> Tensor.zeros(5).copyFrom(seg));
        }
        assertThrows(ShapeException.class, () -> t.copyFrom(new float[3]));
        assertThrows(ShapeException.class, () -> Tensor.wrap(new float[3], 2, 2));
    }

    @Test
    void indexingIsBoundsChecked() {
        Tensor t = Tensor.zeros(2, 2);
        assertThrows(ShapeException.class, () -> t.get(2, 0));
        assertThrows(ShapeException.class, () -> t.get(0));
        assertThrows(ShapeException.class, () -> Shape.of(2, -1));
    }

    @Test
    void seededRandomIsReproducibleAndNonFiniteIsFound() {
        assertArrayEquals(Tensor.normal(Shape.of(5), 1, 3).toArray(), Tensor.normal(Shape.of(5), 1, 3).toArray());
        Tensor t = Tensor.zeros(4);
        assertEquals(-1, t.firstNonFinite());
        t.set(Float.NaN, 2);
        assertEquals(2, t.firstNonFinite());
    }
}
