package io.jresnet.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.CompiledModel;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PlannerTest {
    static Stream<String> zoo() {
        return ResNetSpec.zoo().keySet().stream();
    }

    private static ResNet net(String name, int classes) {
        ResNet net = new ResNet(ResNetSpec.named(name).withClasses(classes));
        Initializers.kaiming(net, 7, false);
        Initializers.randomBatchNormStatistics(net, 8);
        return net;
    }

    /** The fused plan (BN folded, add and ReLU in the conv) computes what the eager, unfused network does. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("zoo")
    void fusedPlanEqualsUnfusedNetwork(String name) {
        ResNet net = net(name, 11);
        boolean imagenet = net.spec().stem() == ResNetSpec.Stem.IMAGENET;
        Shape in = imagenet ? Shape.nchw(1, 3, 32, 32) : Shape.nchw(2, 3, 12, 12);
        Tensor x = Tensor.uniform(in, -1, 1, 9);
        Tensor eager = net.forward(x);
        Plan plan = net.plan(in);
        Tensor fused;
        try (CompiledModel e = new ReferenceBackend().compile(plan)) {
            fused = e.run(x);
        }
        new Tolerance(1e-5, 1e-4).relativeTo(eager).assertClose(eager, fused, name + " fused vs eager");
        assertBuffersNeverAliasLiveValues(plan); // (a plan holds PlanOps: no batch norm, ReLU or reshape can be left)
    }

    @Test
    void resnet50FusesIntoConvsWithEpilogues() {
        Plan plan = net("resnet50", 1000).plan(Shape.nchw(1, 3, 64, 64));
        long convs = plan.ops().stream().filter(o -> o instanceof PlanOp.Conv).count();
        long withResidual = plan.ops().stream().filter(o -> o instanceof PlanOp.Conv c && c.residual() >= 0).count();
        assertEquals(53, convs);
        assertEquals(16, withResidual); // one per bottleneck block
        assertEquals(53 + 3, plan.ops().size(), plan.describe()); // + max pool, global pool, fc
        for (PlanOp op : plan.ops()) {
            if (op instanceof PlanOp.Conv c && c.name().endsWith("conv3")) assertTrue(c.relu() && c.residual() >= 0, c.name());
        }
        // Buffer reuse: far fewer buffers than values.
        assertTrue(plan.bufferCount() <= 5, "buffers: " + plan.bufferCount());
    }

    @Test
    void unfusedPlanKeepsEveryOpAndAgrees() {
        ResNet net = net("resnet20", 10);
        Shape in = Shape.nchw(2, 3, 10, 10);
        Graph g = net.toGraph(in);
        Plan fused = Planner.plan(g, true);
        Plan unfused = Planner.plan(g, false);
        assertTrue(unfused.ops().size() > 2 * fused.ops().size());
        Tensor x = Tensor.uniform(in, -1, 1, 3);
        ReferenceBackend ref = new ReferenceBackend();
        Tensor a = ref.compile(fused).run(x);
        Tensor b = ref.compile(unfused).run(x);
        new Tolerance(1e-5, 1e-4).relativeTo(b).assertClose(b, a, "fused vs unfused plan");
        assertBuffersNeverAliasLiveValues(unfused);
    }

    @Test
    void residualFusesIntoTheLaterConvWhenBothOperandsAreConvs() {
        // torchvision's order: main path first, projection second; the add must fuse into the projection.
        GraphBuilder g = new GraphBuilder();
        int x = g.input(Shape.nchw(1, 4, 6, 6));
        int main = g.conv("main", x, Tensor.uniform(Shape.of(8, 4, 3, 3), -1, 1, 1), 2, 1);
        int proj = g.conv("proj", x, Tensor.uniform(Shape.of(8, 4, 1, 1), -1, 1, 2), 2, 0);
        int y = g.relu("relu", g.add("add", main, proj));
        Plan plan = Planner.plan(g.build(y));
        assertEquals(2, plan.ops().size(), plan.describe());
        PlanOp.Conv last = (PlanOp.Conv) plan.ops().get(1);
        assertEquals("proj", last.name());
        assertEquals(main, last.residual());
        assertTrue(last.relu());
    }

    @Test
    void deadOpsAreDropped() {
        GraphBuilder g = new GraphBuilder();
        int x = g.input(Shape.nchw(1, 2, 4, 4));
        g.conv("unused", x, Tensor.uniform(Shape.of(3, 2, 1, 1), -1, 1, 1), 1, 0);
        int y = g.globalAvgPool("gap", x);
        assertEquals(1, Planner.plan(g.build(y)).ops().size());
    }

    /**
     * Simulates the plan: at each op, the output's buffer must not hold any value that is still to be
     * read (by this op or a later one), other than aliases of the output itself.
     */
    static void assertBuffersNeverAliasLiveValues(Plan plan) {
        int ops = plan.ops().size();
        int[] lastRead = new int[plan.valueCount()];
        java.util.Arrays.fill(lastRead, -1);
        for (int i = 0; i < ops; i++) for (int v : plan.ops().get(i).inputs()) lastRead[plan.storageOwner(v)] = i;
        lastRead[plan.storageOwner(plan.output())] = ops;
        Set<Integer> written = new HashSet<>();
        written.add(plan.storageOwner(plan.input()));
        for (int i = 0; i < ops; i++) {
            PlanOp op = plan.ops().get(i);
            int b = plan.buffer(op.output());
            assertTrue(b >= 0, "output of " + op.name() + " has no buffer");
            for (int v : written) {
                if (plan.buffer(v) == b && lastRead[v] >= i && v != plan.storageOwner(op.output())) {
                    throw new AssertionError("op " + i + " (" + op.name() + ") writes buffer " + b + " while value " + v
                            + " in it is still read at op " + lastRead[v] + "\n" + plan.describe());
                }
            }
            written.add(plan.storageOwner(op.output()));
        }
    }
}
