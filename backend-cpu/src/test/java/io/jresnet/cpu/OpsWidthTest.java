package io.jresnet.cpu;

import io.jresnet.plan.Graph;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Planner;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every non-conv op against the reference on odd shapes (preferred species, 128-bit and scalar runs). */
class OpsWidthTest {
    static final double ATOL = 1e-5, RTOL = 1e-5;

    @ParameterizedTest(name = "n{0} c{1} hw{2} k{3} s{4} p{5}")
    @CsvSource({"1,3,13,3,2,1", "3,17,7,3,2,1", "1,64,56,3,2,1", "3,17,1,1,1,0", "1,17,13,2,2,0"})
    void maxPool(int n, int c, int hw, int k, int s, int p) {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(n, c, hw, hw));
        int y = gb.maxPool("pool", x, k, s, p);
        Compare.againstReference(gb.build(y), Tensor.uniform(Shape.nchw(n, c, hw, hw), -1, 1, 41), 2, ATOL, RTOL, "maxpool");
    }

    @Test
    void maxPoolPropagatesNaN() {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(1, 17, 7, 7));
        int y = gb.maxPool("pool", x, 3, 2, 1);
        Tensor input = Tensor.uniform(Shape.nchw(1, 17, 7, 7), -1, 1, 42);
        input.set(Float.NaN, 0, 16, 3, 3);
        Compare.againstReference(gb.build(y), input, 1, ATOL, RTOL, "maxpool NaN");
    }

    @ParameterizedTest(name = "n{0} c{1} hw{2}")
    @CsvSource({"1,3,1", "3,17,7", "1,64,13", "2,2048,7"})
    void globalAvgPoolThenLinearAndSoftmax(int n, int c, int hw) {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(n, c, hw, hw));
        int g = gb.globalAvgPool("gap", x);
        int f = gb.flatten("flatten", g);
        int out = 1000 - c % 7; // odd output counts
        int l = gb.linear("fc", f, Tensor.normal(Shape.of(out, c), (float) (1 / Math.sqrt(c)), 43),
                Tensor.uniform(Shape.of(out), -0.1f, 0.1f, 44));
        int y = gb.softmax("softmax", l);
        Compare.againstReference(gb.build(y), Tensor.uniform(Shape.nchw(n, c, hw, hw), -1, 1, 45), 2, 1e-6, 1e-4,
                "gap+fc+softmax");
        Compare.againstReference(gb.build(l), Tensor.uniform(Shape.nchw(n, c, hw, hw), -1, 1, 46), 2, ATOL, 1e-4,
                "gap+fc");
    }

    @ParameterizedTest(name = "n{0} in{1} out{2}")
    @CsvSource({"1,17,3", "3,64,10", "5,3,17", "4,100,33"})
    void linearWithRelu(int n, int in, int out) {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.of(n, in));
        int l = gb.linear("fc", x, Tensor.normal(Shape.of(out, in), 0.3f, 47), Tensor.uniform(Shape.of(out), -1, 1, 48));
        int y = gb.relu("relu", l);
        Compare.againstReference(gb.build(y), Tensor.uniform(Shape.of(n, in), -1, 1, 49), 2, ATOL, 1e-4, "linear+relu");
    }

    @ParameterizedTest(name = "n{0} c{1} hw{2}")
    @CsvSource({"1,3,13", "3,17,7", "1,64,1"})
    void addWithReluAndUnfoldedBatchNorm(int n, int c, int hw) {
        GraphBuilder gb = new GraphBuilder();
        Shape s = Shape.nchw(n, c, hw, hw);
        int x = gb.input(s);
        int a = gb.batchNorm("bn", x, Tensor.uniform(Shape.of(c), 0.5f, 1.5f, 50), Tensor.uniform(Shape.of(c), -1, 1, 51),
                Tensor.uniform(Shape.of(c), -1, 1, 52), Tensor.uniform(Shape.of(c), 0.5f, 2, 53), 1e-5f);
        a = gb.relu("bn-relu", a);
        int p = gb.maxPool("pool", x, 3, 1, 1);
        int sum = gb.add("add", a, p);
        int y = gb.relu("relu", sum);
        Compare.againstReference(gb.build(y), Tensor.uniform(s, -1, 1, 54), 2, ATOL, RTOL, "affine+add+relu");
    }

    @ParameterizedTest(name = "n{0} c{1}->{2} hw{3} s{4}")
    @CsvSource({"1,3,17,13,2", "3,16,32,8,2", "2,17,40,7,1", "1,64,128,1,2"})
    void shortcutPad(int n, int c, int k, int hw, int stride) {
        GraphBuilder gb = new GraphBuilder();
        Shape s = Shape.nchw(n, c, hw, hw);
        int x = gb.input(s);
        // An affine first, so the padded input block holds data in the padding lanes that must not leak.
        int a = gb.affine("shift", x, Tensor.uniform(Shape.of(c), 1, 2, 55), Tensor.uniform(Shape.of(c), 1, 2, 56), false);
        int y = gb.shortcutPad("pad", a, stride, k);
        Compare.againstReference(gb.build(y), Tensor.uniform(s, -1, 1, 57), 2, ATOL, RTOL, "shortcut pad");
    }

    @Test
    void softmaxOfLargeLogitsDoesNotOverflow() {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.of(3, 1001));
        int y = gb.softmax("softmax", x);
        Compare.againstReference(gb.build(y), Tensor.uniform(Shape.of(3, 1001), -200, 200, 58), 1, 1e-7, 1e-4,
                "softmax");
    }

    /**
     * A flatten of a blocked conv output read by a linear layer (the executable must convert the layout),
     * and the blocked conv output as the network's output (converted back to NCHW for the caller).
     */
    @ParameterizedTest(name = "with fc: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void blockedValuesReadAsPlain(boolean withFc) {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(2, 5, 6, 6));
        int y = gb.conv("conv", x, Tensor.normal(Shape.nchw(11, 5, 3, 3), 0.2f, 59), null, 2, 2, 1, 1, 1, 1);
        if (withFc) {
            int f = gb.flatten("flatten", y);
            y = gb.linear("fc", f, Tensor.normal(Shape.of(7, 11 * 9), 0.1f, 60), Tensor.zeros(Shape.of(7)));
        }
        Compare.againstReference(gb.build(y), Tensor.uniform(Shape.nchw(2, 5, 6, 6), -1, 1, 61), 2, ATOL, 1e-4,
                "blocked value read as plain");
    }

    @Test
    void scalarOptionMatchesReferenceInAnyJvm() {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(2, 17, 9, 9));
        int y = gb.conv("conv", x, Tensor.normal(Shape.nchw(19, 17, 3, 3), 0.1f, 63), null, 1, 1, 1, 1, 1, 1);
        Graph g = gb.build(gb.relu("relu", y));
        Tensor input = Tensor.uniform(Shape.nchw(2, 17, 9, 9), -1, 1, 64);
        Tensor expected;
        try (ReferenceBackend ref = new ReferenceBackend(); CompiledModel m = ref.compile(Planner.plan(g)); Session e = m.newSession()) {
            expected = e.run(input);
        }
        try (CpuBackend cpu = new CpuBackend(new BackendOptions(2, java.util.Map.of("vectorBits", "0")));
             CompiledModel m = cpu.compile(Planner.plan(g)); Session e = m.newSession()) {
            Compare.assertClose(expected, e.run(input), 1e-4, 1e-4, "scalar option");
        }
    }
}
