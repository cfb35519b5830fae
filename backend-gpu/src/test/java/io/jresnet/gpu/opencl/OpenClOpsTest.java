package io.jresnet.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.gpu.GpuBackend;
import io.jresnet.gpu.KernelVariant;
import io.jresnet.plan.Graph;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op on POCL (or any OpenCL device), plain and tuned kernels, against the scalar reference on
 * odd shapes, and the plain against the tuned. One backend of each kind per class: building the
 * program is the expensive part on POCL.
 */
class OpenClOpsTest {
    static final Tolerance TOLERANCE = Tolerance.OP;
    static Backend tuned, plain;

    @BeforeAll
    static void createBackends() {
        OpenClTestSupport.requireOpenCl();
        tuned = new OpenClProvider().create(new BackendOptions(0, Map.of(KernelVariant.OPTION, "tuned")));
        plain = new OpenClProvider().create(new BackendOptions(0, Map.of(KernelVariant.OPTION, "plain")));
        assertEquals(KernelVariant.TUNED, ((GpuBackend) tuned).variant(), "a POCL device fits 16x16 work-groups");
    }

    @AfterAll
    static void closeBackends() {
        if (tuned != null) tuned.close();
        if (plain != null) plain.close();
    }

    /** Runs the plan of {@code g} on the reference, the plain and the tuned backend and compares all three. */
    static void check(Graph g, long seed, String what) {
        Plan plan = Planner.plan(g);
        Tensor input = Tensor.uniform(plan.inputShape(), -1f, 1f, seed);
        Tensor expected;
        try (Backend ref = new ReferenceBackend(); CompiledModel m = ref.compile(plan); Session e = m.newSession()) {
            expected = e.run(input);
        }
        Tensor fromPlain, fromTuned;
        try (CompiledModel m = plain.compile(plan); Session e = m.newSession()) {
            fromPlain = e.run(input);
        }
        try (CompiledModel m = tuned.compile(plan); Session e = m.newSession()) {
            fromTuned = e.run(input);
        }
        TOLERANCE.assertClose(expected, fromPlain, what + " (plain kernels vs reference)");
        TOLERANCE.assertClose(expected, fromTuned, what + " (tuned kernels vs reference)");
        TOLERANCE.assertClose(fromPlain, fromTuned, what + " (tuned vs plain kernels)");
    }

    static Tensor weights(int... dims) {
        Shape s = Shape.of(dims);
        long fanIn = s.size() / dims[0];
        return Tensor.uniform(s, -1f / (float) Math.sqrt(fanIn), 1f / (float) Math.sqrt(fanIn), s.size() * 31 + dims[0]);
    }

    static Stream<Arguments> convCases() {
        // n, c, h, w, k, kernel, stride, pad, residual, relu
        return Stream.of(
                Arguments.of(1, 3, 13, 13, 17, 3, 1, 1, false, true),
                Arguments.of(3, 17, 7, 7, 64, 1, 1, 0, true, true),
                Arguments.of(3, 64, 13, 13, 17, 3, 2, 1, true, true),
                Arguments.of(1, 3, 13, 13, 64, 7, 2, 3, false, true),
                Arguments.of(3, 17, 1, 1, 3, 1, 1, 0, false, false),
                Arguments.of(1, 64, 7, 7, 65, 1, 2, 0, true, false),
                Arguments.of(3, 3, 7, 13, 17, 3, 1, 1, true, true),
                Arguments.of(1, 17, 1, 1, 17, 3, 1, 1, false, true));
    }

    @ParameterizedTest(name = "n{0} c{1} {2}x{3} -> k{4} {5}x{5} s{6} p{7} residual={8} relu={9}")
    @MethodSource("convCases")
    void convolutionWithFusedEpilogue(int n, int c, int h, int w, int k, int kernel, int stride, int pad,
                                      boolean residual, boolean relu) {
        GraphBuilder b = new GraphBuilder();
        int x = b.input(Shape.nchw(n, c, h, w));
        Tensor bias = Tensor.uniform(Shape.of(k), -0.5f, 0.5f, 7);
        int y = b.conv("conv", x, weights(k, c, kernel, kernel), bias, stride, stride, pad, pad, pad, pad);
        if (residual) {
            // The shortcut: a 1x1 projection of the same input to the output's shape, added by the planner's
            // fusion into the later conv's epilogue.
            int shortcut = b.conv("shortcut", x, weights(k, c, 1, 1), null, stride, stride, 0, 0, 0, 0);
            if (!b.shape(shortcut).equals(b.shape(y))) throw new IllegalArgumentException("case has no valid shortcut");
            y = b.add("add", shortcut, y);
        }
        if (relu) y = b.relu("relu", y);
        check(b.build(y), 11, "conv");
    }

    @Test
    void maxPoolWithPaddingOnOddSizes() {
        for (int[] s : new int[][] {{3, 17, 13, 13, 3, 2, 1}, {1, 3, 7, 7, 3, 2, 1}, {3, 64, 1, 1, 1, 1, 0}, {1, 3, 7, 13, 2, 2, 0}}) {
            GraphBuilder b = new GraphBuilder();
            int x = b.input(Shape.nchw(s[0], s[1], s[2], s[3]));
            check(b.build(b.maxPool("pool", x, s[4], s[5], s[6])), 3, "maxpool " + java.util.Arrays.toString(s));
        }
    }

    @Test
    void globalAveragePoolThenLinearThenSoftmax() {
        // features 17 (not a multiple of 4: scalar path) and 64 (float4 path); 1000 classes (> one work-group)
        for (int[] s : new int[][] {{3, 17, 7, 7, 10}, {1, 64, 13, 13, 1000}, {3, 64, 1, 1, 3}}) {
            GraphBuilder b = new GraphBuilder();
            int x = b.input(Shape.nchw(s[0], s[1], s[2], s[3]));
            int pooled = b.flatten("flatten", b.globalAvgPool("gap", x));
            int logits = b.linear("fc", pooled, weights(s[4], s[1]), Tensor.uniform(Shape.of(s[4]), -1, 1, 5));
            check(b.build(b.softmax("softmax", logits)), 13, "gap+fc+softmax " + java.util.Arrays.toString(s));
            // And the logits themselves, where the softmax cannot hide an error.
            check(b.build(logits), 14, "gap+fc " + java.util.Arrays.toString(s));
        }
    }

    @Test
    void affineAddAndReluUnfused() {
        for (int[] s : new int[][] {{3, 17, 13, 13}, {1, 3, 7, 7}, {3, 64, 1, 1}, {1, 3, 1, 1}}) {
            GraphBuilder b = new GraphBuilder();
            int x = b.input(Shape.nchw(s[0], s[1], s[2], s[3]));
            IntUnaryOperator seed = i -> i * 17 + s[1];
            int a = b.affine("bn_a", x, Tensor.uniform(Shape.of(s[1]), 0.5f, 1.5f, seed.applyAsInt(1)),
                    Tensor.uniform(Shape.of(s[1]), -0.5f, 0.5f, seed.applyAsInt(2)), false);
            int c = b.affine("bn_c", x, Tensor.uniform(Shape.of(s[1]), -1.5f, 1.5f, seed.applyAsInt(3)),
                    Tensor.uniform(Shape.of(s[1]), -0.5f, 0.5f, seed.applyAsInt(4)), true);
            int sum = b.relu("relu", b.add("add", a, c));
            check(b.build(sum), 17, "affine+add+relu " + java.util.Arrays.toString(s));
        }
    }

    @Test
    void optionAShortcutSubsamplesAndZeroPads() {
        // n, c, h, w, stride, out channels, zero channels before the input's
        for (int[] s : new int[][] {{3, 17, 13, 13, 2, 32, 0}, {1, 16, 7, 7, 1, 16, 0}, {3, 3, 1, 1, 2, 64, 0},
                {3, 17, 13, 13, 2, 40, 5}, {1, 16, 8, 8, 2, 32, 8}}) {
            GraphBuilder b = new GraphBuilder();
            int x = b.input(Shape.nchw(s[0], s[1], s[2], s[3]));
            check(b.build(b.shortcutPad("pad", x, s[4], s[5], s[6])), 19, "shortcut pad " + java.util.Arrays.toString(s));
        }
    }

    /**
     * Batch x channels beyond CUDA's 65,535 rows of grid y: the plane kernels (max pool, affine,
     * option-A shortcut) must step over the planes, and every launch is checked against CUDA's grid
     * limits on every runtime, so before that fix this failed on POCL at the first session.
     */
    @Test
    void planeKernelsHandleMoreThan65535Planes() {
        int n = 4_100, c = 16; // 65,600 input planes; 131,200 after the shortcut doubles the channels
        GraphBuilder b = new GraphBuilder();
        int x = b.input(Shape.nchw(n, c, 4, 4));
        int pooled = b.maxPool("pool", x, 3, 1, 1);
        int scaled = b.affine("bn", pooled, Tensor.uniform(Shape.of(c), 0.5f, 1.5f, 41),
                Tensor.uniform(Shape.of(c), -0.5f, 0.5f, 42), true);
        check(b.build(b.shortcutPad("pad", scaled, 2, 2 * c)), 23, "batch " + n + " x " + c + " channels");
    }

    @Test
    void maxPoolPropagatesNaN() {
        GraphBuilder b = new GraphBuilder();
        int x = b.input(Shape.nchw(1, 1, 3, 3));
        Plan plan = Planner.plan(b.build(b.maxPool("pool", x, 3, 1, 1)));
        Tensor input = Tensor.zeros(1, 1, 3, 3);
        input.set(Float.NaN, 0, 0, 1, 1);
        for (Backend backend : new Backend[] {plain, tuned}) {
            try (CompiledModel m = backend.compile(plan); Session e = m.newSession()) {
                Tensor out = e.run(input);
                for (float v : out.toArray()) assertEquals(Float.NaN, v, "every window holds the NaN");
            }
        }
    }
}
