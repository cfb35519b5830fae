package io.jresnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.jresnet.tensor.Tensor;

/** One tolerance rule: {@code |a - b| <= atol + rtol * |b|}, shape first, and a message with the worst error. */
public final class Tolerance {
    private Tolerance() {}

    public static void assertClose(Tensor expected, Tensor actual, double atol, double rtol, String what) {
        assertEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toArray();
        float[] a = actual.toArray();
        int bad = 0, first = -1, worst = -1;
        double worstErr = -1;
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs((double) a[i] - e[i]);
            boolean ok = (Float.isNaN(e[i]) && Float.isNaN(a[i])) || err <= atol + rtol * Math.abs(e[i]);
            if (!ok) {
                bad++;
                if (first < 0) first = i;
            }
            if (!Double.isNaN(err) && err > worstErr) {
                worstErr = err;
                worst = i;
            }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d elements differ beyond atol %.1e + rtol %.1e; first at %d (expected %s,"
                    + " found %s); max error %.3e at %d", what, bad, e.length, atol, rtol, first, e[first], a[first],
                    worstErr, worst));
        }
    }
}
