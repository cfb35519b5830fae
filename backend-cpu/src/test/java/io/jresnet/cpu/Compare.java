package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.plan.Graph;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Tensor;

/** Runs plans on the cpu backend and the reference and compares with {@code |a - b| <= atol + rtol * |b|}. */
final class Compare {
    private Compare() {}

    static void assertClose(Tensor expected, Tensor actual, double atol, double rtol, String what) {
        assertEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toArray(), a = actual.toArray();
        double maxErr = 0;
        int first = -1, bad = 0;
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs((double) a[i] - e[i]);
            boolean ok = err <= atol + rtol * Math.abs(e[i]) || (Float.isNaN(e[i]) && Float.isNaN(a[i]))
                    || (e[i] == a[i]);
            if (!ok) {
                bad++;
                if (first < 0) first = i;
            }
            if (!Double.isNaN(err)) maxErr = Math.max(maxErr, err);
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + e.length + " elements differ beyond atol " + atol + " + rtol " + rtol
                    + "; max |error| " + maxErr + "; first at flat index " + first + ": expected " + e[first]
                    + ", found " + a[first]);
        }
    }

    /** Plans {@code g}, runs it on the reference and on a cpu backend with {@code threads}, compares. */
    static void againstReference(Graph g, Tensor input, int threads, double atol, double rtol, String what) {
        Plan plan = Planner.plan(g);
        Tensor expected;
        try (ReferenceBackend ref = new ReferenceBackend(); CompiledModel m = ref.compile(plan); Session e = m.newSession()) {
            expected = e.run(input);
        }
        try (CpuBackend cpu = new CpuBackend(BackendOptions.threads(threads)); CompiledModel m = cpu.compile(plan); Session e = m.newSession()) {
            Tensor first = e.run(input);
            assertClose(expected, first, atol, rtol, what + " [" + cpu.device() + "]");
            // A second run over the same buffers must give the same result (no state leaks between runs).
            Tensor second = e.run(input);
            assertClose(first, second, 0, 0, what + " (second run)");
        }
    }
}
