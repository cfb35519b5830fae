package io.jresnet.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.jresnet.tensor.Tensor;

/**
 * The one closeness rule every test uses: {@code |actual - expected| <= atol + rtol * |expected|}
 * element by element, shapes checked first. A failure names the worst element, its index and the
 * first few mismatches.
 */
public record Tolerance(double atol, double rtol) {
    /** For single ops in float32 against the double-accumulating reference. */
    public static final Tolerance OP = new Tolerance(1e-4, 1e-4);

    /** Same tolerance with {@code atol} scaled by the largest magnitude in {@code expected}. */
    public Tolerance relativeTo(Tensor expected) {
        return new Tolerance(atol * Math.max(1.0, maxAbs(expected)), rtol);
    }

    public static double maxAbs(Tensor t) {
        double m = 0;
        for (int i = 0; i < t.size(); i++) m = Math.max(m, Math.abs(t.array()[t.offset() + i]));
        return m;
    }

    public static double maxAbsDiff(Tensor a, Tensor b) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) {
            m = Math.max(m, Math.abs((double) a.array()[a.offset() + i] - b.array()[b.offset() + i]));
        }
        return m;
    }

    public void assertClose(Tensor expected, Tensor actual, String what) {
        if (!expected.shape().equals(actual.shape())) {
            fail(what + ": shape " + actual.shape() + ", expected " + expected.shape());
        }
        int bad = 0;
        int worst = -1;
        double worstExcess = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.array()[expected.offset() + i];
            double a = actual.array()[actual.offset() + i];
            double diff = Math.abs(a - e);
            double allowed = atol + rtol * Math.abs(e);
            if (!(diff <= allowed)) { // also catches NaN
                if (bad < 5) first.append(String.format(" [%d] %.6g vs %.6g;", i, a, e));
                bad++;
                double excess = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff - allowed;
                if (worst < 0 || excess > worstExcess) {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d elements differ beyond atol=%.3g rtol=%.3g; worst at [%d]: %.6g vs %.6g"
                            + " (max abs diff %.3g); first:%s", what, bad, expected.size(), atol, rtol, worst,
                    actual.array()[actual.offset() + worst], expected.array()[expected.offset() + worst],
                    maxAbsDiff(expected, actual), first));
        }
    }
}
