package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Plan;
import io.jresnet.plan.PlanOp;
import io.jresnet.plan.Planner;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A compiled model keeps its packed weights only. The plan's weights (batch norm folded in: a copy of
 * the graph's) must not stay reachable through it, or every loaded model would cost its weights twice.
 */
class CompiledModelLifetimeTest {
    /** conv -> bn -> relu (folded: the plan's own weights), a 1x1 conv and a linear layer (the graph's). */
    private static Plan plan() {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(1, 16, 12, 12));
        Tensor ones = Tensor.zeros(32).fill(1f), zeros = Tensor.zeros(32);
        int y = gb.conv("conv1", x, Tensor.normal(Shape.nchw(32, 16, 3, 3), 0.1f, 1), 1, 1); // direct or Winograd
        y = gb.relu("relu1", gb.batchNorm("bn1", y, ones, zeros, zeros, ones, 1e-5f));
        y = gb.conv("conv2", y, Tensor.normal(Shape.nchw(32, 32, 1, 1), 0.1f, 2), 1, 0);
        y = gb.linear("fc", gb.flatten("flatten", gb.globalAvgPool("pool", y)), Tensor.normal(Shape.of(10, 32), 0.1f, 3),
                Tensor.zeros(10));
        return Planner.plan(gb.build(y));
    }

    @Test
    void thePlansWeightsAreGarbageOnceCompiled() {
        Plan plan = plan();
        List<WeakReference<float[]>> weights = new ArrayList<>();
        for (PlanOp op : plan.ops()) {
            if (op instanceof PlanOp.Conv c) weights.add(new WeakReference<>(c.weight().array()));
            if (op instanceof PlanOp.Linear l) weights.add(new WeakReference<>(l.weight().array()));
        }
        assertEquals(3, weights.size());
        Tensor input = Tensor.uniform(Shape.nchw(1, 16, 12, 12), -1, 1, 4);
        try (Backend cpu = Backends.create("cpu", BackendOptions.threads(1));
             CompiledModel compiled = cpu.compile(plan)) {
            plan = null; // the test's own reference; the graph went with plan()
            for (int i = 0; i < 50 && weights.stream().anyMatch(w -> w.get() != null); i++) System.gc();
            for (int i = 0; i < weights.size(); i++) {
                assertTrue(weights.get(i).get() == null, "weight " + i + " of the plan is still reachable");
            }
            try (Session s = compiled.newSession()) { // the compiled model is alive and complete
                assertEquals(Shape.of(1, 10), s.run(input).shape());
            }
        }
    }

    /**
     * A plan for one compile hands each op out once and forgets it while the backend packs, so the
     * weights are garbage although the plan is still referenced; the model it compiles computes what the
     * ordinary plan's does, and the spent plan says so when used again.
     */
    @Test
    void aPlanForOneCompileDropsEachOpsWeightsAsTheBackendTakesIt() {
        Plan ordinary = plan();
        Plan once = ordinary.forOneCompile();
        List<WeakReference<float[]>> weights = new ArrayList<>();
        for (PlanOp op : once.ops()) {
            if (op instanceof PlanOp.Conv c) weights.add(new WeakReference<>(c.weight().array()));
        }
        assertEquals(2, weights.size());

        Tensor input = Tensor.uniform(Shape.nchw(1, 16, 12, 12), -1, 1, 5);
        try (Backend cpu = Backends.create("cpu", BackendOptions.threads(1));
             CompiledModel fromOrdinary = cpu.compile(ordinary);
             CompiledModel fromOnce = cpu.compile(once)) {
            int ops = ordinary.opCount();
            IllegalStateException spent = assertThrows(IllegalStateException.class, once::ops);
            assertTrue(spent.getMessage().contains("plan the graph again"), spent.getMessage());
            assertThrows(IllegalStateException.class, () -> cpu.compile(once));
            ordinary = null;
            for (int i = 0; i < 50 && weights.stream().anyMatch(w -> w.get() != null); i++) System.gc();
            for (int i = 0; i < weights.size(); i++) {
                assertTrue(weights.get(i).get() == null, "conv weight " + i + " of the one-compile plan is still reachable");
            }
            assertEquals(ops, once.opCount(), "the spent plan still counts its ops"); // and is alive up to here
            try (Session a = fromOrdinary.newSession(); Session b = fromOnce.newSession()) {
                assertArrayEquals(a.run(input).toArray(), b.run(input).toArray(), "same packing, same floats");
            }
        }
    }
}
