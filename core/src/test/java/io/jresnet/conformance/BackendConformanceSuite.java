package io.jresnet.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jresnet.BackendException;
import io.jresnet.RunInterruptedException;
import io.jresnet.ShapeException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.Graph;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The backend conformance suite: every fused op on odd shapes, and every zoo network at a small input
 * size, run on the backend under test and on the {@code reference} backend, compared with
 * {@link Tolerance}. A backend module runs it by subclassing:
 *
 * <pre>{@code
 * class CpuConformanceTest extends BackendConformanceSuite {
 *     protected Backend createBackend() { return new CpuProvider().create(BackendOptions.defaults()); }
 * }
 * }</pre>
 *
 * Tolerances: single ops {@link #opTolerance()} (default atol 1e-4, rtol 1e-4, inputs in [-1, 1]);
 * networks {@link #networkTolerance()} (default 1e-3 absolute relative to the largest logit, rtol
 * 1e-3), since float32 sums over thousands of terms in another order differ by that much.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceSuite {
    private Backend backend;
    private final Backend reference = new ReferenceBackend();
    /** Reference results are the same for every backend: compute each once per JVM. */
    private static final Map<String, Tensor> REFERENCE_CACHE = new ConcurrentHashMap<>();

    protected abstract Backend createBackend();

    protected Tolerance opTolerance() {
        return Tolerance.OP;
    }

    protected Tolerance networkTolerance() {
        return new Tolerance(1e-3, 1e-3);
    }

    @BeforeAll
    void openBackend() {
        backend = createBackend();
    }

    @AfterAll
    void closeBackend() {
        if (backend != null) backend.close();
    }

    protected final Backend backend() {
        return backend;
    }

    /** Runs {@code plan} on the backend under test and on the reference, and compares. */
    protected final void check(String what, Plan plan, Tensor input, Tolerance tol) {
        Tensor expected = REFERENCE_CACHE.computeIfAbsent(what, k -> run(reference, plan, input));
        Tensor actual = run(backend, plan, input);
        tol.relativeTo(expected).assertClose(expected, actual, backend.name() + " " + what);
    }

    private static Tensor run(Backend b, Plan plan, Tensor input) {
        try (CompiledModel m = b.compile(plan); Session s = m.newSession()) {
            return s.run(input);
        }
    }

    private static Tensor weights(long seed, int... dims) {
        Shape s = Shape.of(dims);
        long fan = s.size() / dims[0];
        return Tensor.uniform(s, (float) -Math.sqrt(3.0 / fan), (float) Math.sqrt(3.0 / fan), seed);
    }

    private static Tensor input(long seed, int... dims) {
        return Tensor.uniform(Shape.of(dims), -1f, 1f, seed);
    }

    private Plan singleOp(Shape in, Function<GraphBuilder, Integer> body) {
        GraphBuilder g = new GraphBuilder();
        g.input(in);
        return Planner.plan(g.build(body.apply(g)));
    }

    /** Each int[] case as one argument per element (JUnit passes an int[] as a single argument). */
    private static Stream<Arguments> cases(int[]... cases) {
        return Stream.of(cases).map(c -> Arguments.of(java.util.Arrays.stream(c).boxed().toArray()));
    }

    // ---- convolution ------------------------------------------------------------------------

    /** n, c, h, w, k, kernel, stride, pad, residual?, relu? */
    static Stream<Arguments> convCases() {
        return cases(
                new int[] {1, 3, 7, 7, 5, 1, 1, 0, 0, 0},
                new int[] {1, 17, 13, 13, 19, 3, 1, 1, 1, 1},
                new int[] {3, 17, 13, 13, 33, 3, 2, 1, 0, 1},
                new int[] {1, 64, 7, 7, 64, 3, 1, 1, 1, 1},
                new int[] {3, 64, 13, 13, 128, 1, 2, 0, 0, 0},
                new int[] {1, 3, 13, 13, 64, 7, 2, 3, 0, 1},
                new int[] {3, 3, 7, 7, 17, 7, 2, 3, 0, 1},
                new int[] {1, 64, 1, 1, 17, 3, 1, 1, 1, 1},
                new int[] {3, 17, 1, 1, 64, 1, 1, 0, 1, 1},
                new int[] {1, 64, 56, 56, 64, 3, 1, 1, 1, 1},
                new int[] {1, 64, 56, 56, 256, 1, 1, 0, 1, 1},
                new int[] {1, 256, 14, 14, 64, 1, 1, 0, 0, 1},
                new int[] {3, 32, 13, 13, 16, 3, 2, 1, 0, 0},
                new int[] {3, 16, 7, 7, 24, 3, 1, 1, 1, 0},
                new int[] {1, 8, 12, 9, 8, 3, 1, 1, 0, 1});
    }

    @ParameterizedTest(name = "conv n{0} c{1} {2}x{3} -> k{4} kernel{5} s{6} p{7} res{8} relu{9}")
    @MethodSource("convCases")
    void conv(int n, int c, int h, int w, int k, int kernel, int stride, int pad, int residual, int relu) {
        long seed = 31L * n + 7L * c + h + 3L * k + kernel + stride;
        Tensor weight = weights(seed, k, c, kernel, kernel);
        Tensor bias = Tensor.uniform(Shape.of(k), -0.5f, 0.5f, seed + 1);
        Plan plan = singleOp(Shape.nchw(n, c, h, w), g -> {
            int x = 0;
            int res = -1;
            if (residual == 1) {
                // The shortcut: a projection of the input to the output's shape, computed first.
                res = g.conv("proj", x, weights(seed + 2, k, c, 1, 1), null, stride, stride, 0, 0, 0, 0);
            }
            int y = g.conv("conv", x, weight, bias, stride, stride, pad, pad, pad, pad);
            if (res >= 0) y = g.add("add", y, res);
            return relu == 1 ? g.relu("relu", y) : y;
        });
        check("conv" + List.of(n, c, h, w, k, kernel, stride, pad, residual, relu), plan, input(seed + 3, n, c, h, w),
                opTolerance());
    }

    /**
     * n, c, h, w, k, groups, kernel, stride, pad, residual?: depthwise (one channel per group, also
     * with a channel multiplier), ResNeXt's 4, 8, 16 and 32 channels per group, groups whose input
     * and output widths differ, channel counts off the vector width, 1x1 and 7x7 images.
     */
    static Stream<Arguments> groupedConvCases() {
        return cases(
                new int[] {1, 17, 9, 9, 17, 17, 3, 1, 1, 0},
                new int[] {2, 3, 13, 13, 6, 3, 7, 2, 3, 0},
                new int[] {1, 32, 14, 14, 32, 8, 3, 2, 1, 1},
                new int[] {2, 64, 7, 7, 64, 8, 3, 1, 1, 1},
                new int[] {1, 64, 9, 9, 64, 4, 3, 1, 1, 0},
                new int[] {3, 128, 5, 5, 128, 4, 3, 1, 1, 1},
                new int[] {2, 24, 6, 6, 12, 3, 1, 1, 0, 0},
                new int[] {2, 20, 7, 7, 40, 5, 3, 1, 1, 1},
                new int[] {1, 6, 1, 1, 6, 2, 3, 1, 1, 0},
                new int[] {3, 48, 8, 8, 48, 2, 1, 1, 0, 1},
                new int[] {3, 40, 9, 9, 40, 40, 3, 2, 1, 1},
                new int[] {2, 18, 6, 5, 18, 9, 3, 1, 1, 0},
                new int[] {1, 64, 11, 11, 64, 16, 5, 1, 2, 1});
    }

    @ParameterizedTest(name = "grouped conv n{0} c{1} {2}x{3} -> k{4} groups{5} kernel{6} s{7} p{8} res{9}")
    @MethodSource("groupedConvCases")
    void groupedConv(int n, int c, int h, int w, int k, int groups, int kernel, int stride, int pad, int residual) {
        long seed = 41L * n + 5L * c + h + 3L * k + 11L * groups + kernel;
        Tensor weight = weights(seed, k, c / groups, kernel, kernel);
        Tensor bias = Tensor.uniform(Shape.of(k), -0.5f, 0.5f, seed + 1);
        Plan plan = singleOp(Shape.nchw(n, c, h, w), g -> {
            int res = residual == 1
                    ? g.conv("proj", 0, weights(seed + 2, k, c, 1, 1), null, stride, stride, 0, 0, 0, 0) : -1;
            int y = g.conv("conv", 0, weight, bias, groups, stride, stride, pad, pad, pad, pad);
            return g.relu("relu", res >= 0 ? g.add("add", y, res) : y);
        });
        check("grouped conv" + List.of(n, c, h, w, k, groups, kernel, stride, pad, residual), plan,
                input(seed + 3, n, c, h, w), opTolerance());
    }

    @Test
    void convWithAsymmetricPaddingAndStrides() {
        Plan plan = singleOp(Shape.nchw(2, 5, 9, 11), g ->
                g.conv("conv", 0, weights(5, 6, 5, 3, 2), null, 2, 1, 0, 1, 2, 0));
        check("conv-asymmetric", plan, input(6, 2, 5, 9, 11), opTolerance());
    }

    @Test
    void convFollowedByBatchNormFolds() {
        Shape in = Shape.nchw(2, 17, 9, 9);
        Plan plan = singleOp(in, g -> {
            int y = g.conv("conv", 0, weights(8, 24, 17, 3, 3), null, 1, 1, 1, 1, 1, 1);
            y = g.batchNorm("bn", y, Tensor.uniform(Shape.of(24), 0.5f, 1.5f, 9), Tensor.uniform(Shape.of(24), -.2f, .2f, 10),
                    Tensor.uniform(Shape.of(24), -.2f, .2f, 11), Tensor.uniform(Shape.of(24), 0.5f, 1.5f, 12), 1e-5f);
            return g.relu("relu", y);
        });
        assertEquals(1, plan.ops().size(), "conv+bn+relu should fuse into one op:\n" + plan.describe());
        check("conv-bn-relu", plan, input(13, 2, 17, 9, 9), opTolerance());
    }

    // ---- the other ops ----------------------------------------------------------------------

    static Stream<Arguments> poolCases() {
        // n, c, h, w, kernel, stride, pad
        return cases(new int[] {1, 64, 56, 56, 3, 2, 1}, new int[] {3, 17, 13, 13, 3, 2, 1},
                new int[] {2, 5, 7, 7, 2, 2, 0}, new int[] {1, 3, 1, 1, 3, 1, 1}, new int[] {2, 19, 8, 6, 3, 1, 1});
    }

    @ParameterizedTest(name = "maxpool n{0} c{1} {2}x{3} k{4} s{5} p{6}")
    @MethodSource("poolCases")
    void maxPool(int n, int c, int h, int w, int kernel, int stride, int pad) {
        Plan plan = singleOp(Shape.nchw(n, c, h, w), g -> g.maxPool("pool", 0, kernel, stride, pad));
        check("maxpool" + List.of(n, c, h, w, kernel, stride, pad), plan, input(n + c + h, n, c, h, w), opTolerance());
    }

    @ParameterizedTest(name = "global average pool n{0} c{1} {2}x{3}")
    @MethodSource("spatialCases")
    void globalAvgPool(int n, int c, int h, int w) {
        Plan plan = singleOp(Shape.nchw(n, c, h, w), g -> g.globalAvgPool("gap", 0));
        check("gap" + List.of(n, c, h, w), plan, input(n * c + w, n, c, h, w), opTolerance());
    }

    static Stream<Arguments> spatialCases() {
        return cases(new int[] {1, 2048, 7, 7}, new int[] {3, 17, 13, 13}, new int[] {2, 64, 1, 1},
                new int[] {1, 3, 56, 56}, new int[] {2, 19, 8, 5});
    }

    @ParameterizedTest(name = "linear n{0} in{1} out{2}")
    @MethodSource("linearCases")
    void linear(int n, int in, int out) {
        Plan plan = singleOp(Shape.nchw(n, in, 1, 1), g -> {
            int f = g.flatten("flatten", 0);
            return g.linear("fc", f, weights(in + out, out, in), Tensor.uniform(Shape.of(out), -1, 1, out));
        });
        check("linear" + List.of(n, in, out), plan, input(n + in, n, in, 1, 1), opTolerance());
    }

    static Stream<Arguments> linearCases() {
        return cases(new int[] {1, 2048, 1000}, new int[] {3, 17, 5}, new int[] {8, 64, 10}, new int[] {1, 1, 1},
                new int[] {2, 512, 33});
    }

    @ParameterizedTest(name = "add+relu, affine n{0} c{1} {2}x{3}")
    @MethodSource("spatialCases")
    void elementwise(int n, int c, int h, int w) {
        Plan plan = singleOp(Shape.nchw(n, c, h, w), g -> {
            // BN straight on the input cannot fold: it stays an affine op; its output has two readers,
            // so the add cannot fuse into anything either.
            int a = g.batchNorm("bn", 0, Tensor.uniform(Shape.of(c), .5f, 1.5f, 1), Tensor.uniform(Shape.of(c), -.2f, .2f, 2),
                    Tensor.uniform(Shape.of(c), -.2f, .2f, 3), Tensor.uniform(Shape.of(c), .5f, 1.5f, 4), 1e-5f);
            int r = g.relu("relu1", a);
            int s = g.add("add", a, r);
            return g.relu("relu2", g.add("add2", s, 0));
        });
        check("elementwise" + List.of(n, c, h, w), plan, input(c + h, n, c, h, w), opTolerance());
    }

    static Stream<Arguments> shortcutCases() {
        // n, c, h, w, stride, out channels, zero channels before the input's (PyTorch's CIFAR nets pad
        // both sides: 16 -> 8 + 16 + 8; 5 and 3 are no multiple of any vector width)
        return cases(new int[] {1, 16, 32, 32, 2, 32, 0}, new int[] {3, 17, 13, 13, 2, 33, 0}, new int[] {2, 5, 7, 7, 1, 8, 0},
                new int[] {1, 32, 1, 1, 2, 64, 0}, new int[] {1, 16, 32, 32, 2, 32, 8}, new int[] {3, 17, 13, 13, 2, 40, 5},
                new int[] {2, 5, 7, 7, 1, 8, 3}, new int[] {1, 32, 8, 8, 2, 64, 16});
    }

    @ParameterizedTest(name = "shortcut pad n{0} c{1} {2}x{3} s{4} -> {5}, {6} before")
    @MethodSource("shortcutCases")
    void shortcutPad(int n, int c, int h, int w, int stride, int out, int before) {
        Plan plan = singleOp(Shape.nchw(n, c, h, w), g -> g.shortcutPad("pad", 0, stride, out, before));
        check("shortcut" + List.of(n, c, h, w, stride, out, before), plan, input(c * h, n, c, h, w), opTolerance());
    }

    @ParameterizedTest(name = "softmax n{0} k{1}")
    @MethodSource("linearCases")
    void softmax(int n, int k, int unused) {
        Plan plan = singleOp(Shape.of(n, k), g -> g.softmax("softmax", 0));
        Tensor x = Tensor.uniform(Shape.of(n, k), -30f, 30f, k);
        check("softmax" + List.of(n, k), plan, x, new Tolerance(1e-6, 1e-4));
    }

    // ---- whole networks ---------------------------------------------------------------------

    /**
     * The zoo but the two ResNeXt-101s, whose layer shapes resnext50_32x4d and the grouped-conv cases
     * cover. With {@code -Djresnet.conformance.networks=one-per-kind} (a backend's secondary
     * configurations, to keep the suite's time in bounds): one network of each block kind, stem,
     * shortcut option, width and grouping.
     */
    static Stream<String> networks() {
        if ("one-per-kind".equals(System.getProperty("jresnet.conformance.networks"))) {
            return Stream.of("resnet18", "resnet50", "resnet20", "plain20", "wide_resnet50_2", "resnext50_32x4d",
                    "preact_resnet18", "preact_resnet164");
        }
        return ResNetSpec.zoo().keySet().stream().filter(n -> !n.startsWith("resnext101"));
    }

    /** Every zoo network at a small input: ImageNet family at 32x32 (batch 1), CIFAR family at 16x16 (batch 2). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void network(String name) {
        ResNetSpec spec = ResNetSpec.named(name).withClasses(37);
        ResNet net = new ResNet(spec);
        Initializers.kaiming(net, 42, false);
        Initializers.randomBatchNormStatistics(net, 43);
        boolean imagenet = spec.stem() == ResNetSpec.Stem.IMAGENET;
        Shape in = imagenet ? Shape.nchw(1, 3, 32, 32) : Shape.nchw(2, 3, 16, 16);
        check("network " + name, net.plan(in), Tensor.uniform(in, -1f, 1f, 44), networkTolerance());
    }

    private CompiledModel resnet20(Shape in) {
        return resnet20(backend, in);
    }

    private static CompiledModel resnet20(Backend backend, Shape in) {
        ResNet net = new ResNet(ResNetSpec.named("resnet20"));
        Initializers.kaiming(net, 1, false);
        Initializers.randomBatchNormStatistics(net, 2);
        return backend.compile(net.plan(in));
    }

    @Test
    void repeatedRunsGiveTheSameResult() {
        Shape in = Shape.nchw(3, 3, 13, 13);
        try (CompiledModel m = resnet20(in); Session s = m.newSession()) {
            Tensor x = Tensor.uniform(in, -1, 1, 3);
            Tensor first = s.run(x);
            Tensor out = Tensor.zeros(m.outputShape());
            List<Tensor> again = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                s.run(x, out);
                again.add(out.copy());
            }
            for (Tensor t : again) new Tolerance(0, 0).assertClose(first, t, "run repeated");
        }
    }

    /** Sessions of one compiled model on as many threads give bit for bit what one session gives. */
    @Test
    void manySessionsOnManyThreadsMatchOneSessionExactly() throws Exception {
        Shape in = Shape.nchw(2, 3, 13, 13);
        int threads = 4, runs = 6;
        try (CompiledModel m = resnet20(in)) {
            List<Tensor> inputs = new ArrayList<>();
            List<Tensor> expected = new ArrayList<>();
            try (Session one = m.newSession()) {
                for (int i = 0; i < runs; i++) {
                    inputs.add(Tensor.uniform(in, -1, 1, 100 + i));
                    expected.add(one.run(inputs.get(i)));
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<List<Tensor>>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int shift = t;
                    results.add(pool.submit(() -> {
                        try (Session s = m.newSession()) {
                            start.await();
                            List<Tensor> out = new ArrayList<>();
                            for (int i = 0; i < runs; i++) out.add(s.run(inputs.get((i + shift) % runs)));
                            return out;
                        }
                    }));
                }
                for (int t = 0; t < threads; t++) {
                    List<Tensor> got = results.get(t).get(5, TimeUnit.MINUTES);
                    for (int i = 0; i < runs; i++) {
                        new Tolerance(0, 0).assertClose(expected.get((i + t) % runs), got.get(i),
                                backend.name() + " thread " + t + " run " + i);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * One compiled model under load: 16 threads, each with its own session, 500 runs each at batch
     * sizes drawn from 1 to the planned 4, give bit for bit what one session gave for the same inputs
     * and batch sizes; a deadlock fails at the five-minute watchdog. The model is a residual block
     * small enough that the scalar reference does it in seconds.
     */
    @Test
    void sixteenThreadsWithMixedBatchesMatchOneSessionExactly() throws Exception {
        assertConcurrentRunsMatchOneSession(backend);
    }

    /** The body of {@link #sixteenThreadsWithMixedBatchesMatchOneSessionExactly}, for any backend. */
    public static void assertConcurrentRunsMatchOneSession(Backend backend) throws Exception {
        Shape in = Shape.nchw(4, 3, 8, 8);
        int threads = 16, runs = 500, inputsCount = 5;
        try (CompiledModel m = backend.compile(Planner.plan(residualBlock(in)))) {
            Tensor[][] inputs = new Tensor[inputsCount][5], expected = new Tensor[inputsCount][5];
            try (Session one = m.newSession()) {
                for (int i = 0; i < inputsCount; i++) {
                    Tensor full = Tensor.uniform(in, -1, 1, 300 + i);
                    for (int b = 1; b <= 4; b++) {
                        inputs[i][b] = Tensor.wrap(full.toArray(), 0, in.withBatch(b));
                        expected[i][b] = one.run(inputs[i][b]);
                    }
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<String>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long seed = 400 + t;
                    results.add(pool.submit(() -> {
                        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
                        try (Session s = m.newSession()) {
                            start.await();
                            for (int k = 0; k < runs; k++) {
                                int i = r.nextInt(inputsCount), b = 1 + r.nextInt(4);
                                Tensor got = s.run(inputs[i][b]);
                                if (!java.util.Arrays.equals(expected[i][b].toArray(), got.toArray())) {
                                    return "run " + k + " (input " + i + ", batch " + b + ") differs";
                                }
                            }
                            return null;
                        }
                    }));
                }
                for (int t = 0; t < threads; t++) {
                    String problem = results.get(t).get(5, TimeUnit.MINUTES);
                    assertEquals(null, problem, backend.name() + " thread " + t);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** conv-BN-ReLU, conv-BN plus the shortcut, ReLU, global pool and a classifier. */
    private static Graph residualBlock(Shape in) {
        GraphBuilder g = new GraphBuilder();
        int x = g.input(in);
        int c = 8;
        int a = g.relu("relu1", g.batchNorm("bn1", g.conv("conv1", x, Tensor.normal(Shape.of(c, in.c(), 3, 3), 0.3f, 1), 1, 1),
                Tensor.uniform(Shape.of(c), 0.5f, 1.5f, 2), Tensor.uniform(Shape.of(c), -0.1f, 0.1f, 3),
                Tensor.uniform(Shape.of(c), -0.1f, 0.1f, 4), Tensor.uniform(Shape.of(c), 0.5f, 1.5f, 5), 1e-5f));
        int b = g.batchNorm("bn2", g.conv("conv2", a, Tensor.normal(Shape.of(c, c, 3, 3), 0.2f, 6), 1, 1),
                Tensor.uniform(Shape.of(c), 0.5f, 1.5f, 7), Tensor.uniform(Shape.of(c), -0.1f, 0.1f, 8),
                Tensor.uniform(Shape.of(c), -0.1f, 0.1f, 9), Tensor.uniform(Shape.of(c), 0.5f, 1.5f, 10), 1e-5f);
        int y = g.relu("relu2", g.add("add", b, a));
        int f = g.flatten("flatten", g.globalAvgPool("pool", y));
        return g.build(g.linear("fc", f, Tensor.normal(Shape.of(10, c), 0.3f, 11), Tensor.uniform(Shape.of(10), -0.1f, 0.1f, 12)));
    }

    /** A session run from two threads at once fails loudly instead of mixing their buffers. */
    @Test
    void oneSessionOnTwoThreadsAtOnceIsRefused() throws Exception {
        Shape in = Shape.nchw(4, 3, 16, 16);
        try (CompiledModel m = resnet20(in); Session s = m.newSession()) {
            Tensor x = Tensor.uniform(in, -1, 1, 3);
            Tensor expected = s.run(x);
            AtomicReference<Throwable> refused = new AtomicReference<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread other = new Thread(() -> {
                Tensor out = Tensor.zeros(m.outputShape());
                while (!stop.get() && refused.get() == null) {
                    try {
                        s.run(x, out);
                    } catch (IllegalStateException e) {
                        refused.compareAndSet(null, e);
                    }
                }
            });
            other.start();
            Tensor out = Tensor.zeros(m.outputShape());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            try {
                while (refused.get() == null && System.nanoTime() < deadline) {
                    try {
                        s.run(x, out);
                        new Tolerance(0, 0).assertClose(expected, out, "a run that was not refused");
                    } catch (IllegalStateException e) {
                        refused.compareAndSet(null, e);
                    }
                }
            } finally {
                stop.set(true);
                other.join();
            }
            assertNotNull(refused.get(), "two threads ran one session for 60 s without being refused");
            assertTrue(refused.get().getMessage().contains("one session per thread"), refused.get().getMessage());
        }
    }

    @Test
    void anInterruptedRunStopsWithAClearErrorAndTheSessionStaysUsable() throws Exception {
        assertInterruptedRunsStopAndLeaveTheSessionUsable(backend);
    }

    /**
     * A run on an interrupted thread (a cancelled request) throws {@link RunInterruptedException} and
     * leaves the interrupt status set, whether the interrupt came before the run or while it ran; the
     * same session then gives bit for bit what it gave before. Shared with the reference backend's
     * own test.
     *
     * @param backend the backend to check
     * @throws Exception when the running thread cannot be joined
     */
    public static void assertInterruptedRunsStopAndLeaveTheSessionUsable(Backend backend) throws Exception {
        Shape in = Shape.nchw(4, 3, 16, 16);
        try (CompiledModel m = resnet20(backend, in); Session s = m.newSession()) {
            Tensor x = Tensor.uniform(in, -1, 1, 5);
            Tensor expected = s.run(x);
            Tensor out = Tensor.zeros(m.outputShape());
            Thread.currentThread().interrupt();
            try {
                RunInterruptedException e = assertThrows(RunInterruptedException.class, () -> s.run(x, out));
                assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is left for the caller");
            } finally {
                Thread.interrupted();
            }

            AtomicReference<Throwable> stoppedBy = new AtomicReference<>();
            CountDownLatch running = new CountDownLatch(1);
            Thread runner = new Thread(() -> {
                Tensor o = Tensor.zeros(m.outputShape());
                try {
                    while (true) {
                        running.countDown();
                        s.run(x, o);
                    }
                } catch (Throwable t) {
                    stoppedBy.set(t);
                }
            }, "interrupted-runner");
            runner.start();
            assertTrue(running.await(60, TimeUnit.SECONDS), "the runner did not start");
            Thread.sleep(20);
            runner.interrupt();
            runner.join(TimeUnit.SECONDS.toMillis(60));
            assertFalse(runner.isAlive(), backend.name() + ": an interrupted thread kept running for 60 s");
            assertInstanceOf(RunInterruptedException.class, stoppedBy.get(), backend.name() + ": what stopped the runner");

            s.run(x, out);
            new Tolerance(0, 0).assertClose(expected, out, backend.name() + ": the session after an interrupted run");
        }
    }

    /** A batch smaller than the planned one gives what those images give in a full batch. */
    @Test
    void aSmallerBatchGivesTheFirstImagesOfThePlannedOne() {
        Shape in = Shape.nchw(3, 3, 13, 13);
        try (CompiledModel m = resnet20(in); Session s = m.newSession()) {
            Tensor x = Tensor.uniform(in, -1, 1, 9);
            Tensor full = s.run(x);
            Tensor one = Tensor.wrap(x.toArray(), 0, Shape.nchw(1, 3, 13, 13));
            Tensor got = s.run(one);
            assertEquals(m.outputShape().withBatch(1), got.shape());
            Tensor firstOfFull = Tensor.wrap(full.toArray(), 0, got.shape());
            networkTolerance().relativeTo(firstOfFull).assertClose(firstOfFull, got, backend.name() + " batch 1 of 3");
            assertThrows(ShapeException.class, () -> s.run(Tensor.zeros(4, 3, 13, 13)));
        }
    }

    @Test
    void closedSessionsAndModelsRefuseWork() {
        Shape in = Shape.nchw(1, 3, 8, 8);
        CompiledModel m = resnet20(in);
        Session s = m.newSession();
        s.close();
        assertThrows(BackendException.class, () -> s.run(Tensor.zeros(in)));
        Session live = m.newSession();
        m.close();
        assertThrows(BackendException.class, () -> live.run(Tensor.zeros(in)));
        assertThrows(BackendException.class, m::newSession);
    }

    @Test
    void wrongInputShapeIsRejected() {
        Graph g = new ResNet(ResNetSpec.named("resnet20")).toGraph(Shape.nchw(1, 3, 8, 8));
        try (CompiledModel m = backend.compile(Planner.plan(g)); Session s = m.newSession()) {
            assertThrows(ShapeException.class, () -> s.run(Tensor.zeros(2, 3, 8, 8)));
            assertThrows(ShapeException.class, () -> s.run(Tensor.zeros(1, 3, 9, 8)));
        }
    }
}
