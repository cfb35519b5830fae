package io.jresnet.bench;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.Executable;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The convolutions of ResNet-50 at 224x224, batch 1, with the fused bias + ReLU epilogue, one op per
 * plan. Shapes are "C H W K kernel stride": the stem, each stage's 1x1 reduce / 3x3 / 1x1 restore,
 * and the strided 3x3. GFLOP/s = 2 x MACs / time; MACs = K x OH x OW x C x kernel^2.
 * Validated against {@code reference} (tolerance 1e-4 abs + 1e-4 rel, inputs in [-1, 1]).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ConvBenchmark {
    @Param({"3 224 224 64 7 2", "64 56 56 64 1 1", "64 56 56 64 3 1", "64 56 56 256 1 1", "256 56 56 64 1 1",
            "128 56 56 128 3 2", "128 28 28 128 3 1", "256 14 14 256 3 1", "512 7 7 512 3 1", "1024 14 14 256 1 1"})
    public String shape;

    @Param({"cpu"})
    public String backend;

    @Param({"1"})
    public int threads;

    private Backend be;
    private Executable exe;
    private Tensor input;
    private Tensor output;

    static Plan convPlan(int c, int h, int w, int k, int kernel, int stride) {
        GraphBuilder g = new GraphBuilder();
        int x = g.input(Shape.nchw(1, c, h, w));
        Tensor weight = Tensor.uniform(Shape.of(k, c, kernel, kernel), -0.1f, 0.1f, 1);
        Tensor bias = Tensor.uniform(Shape.of(k), -0.1f, 0.1f, 2);
        int pad = kernel / 2;
        int y = g.conv("conv", x, weight, bias, stride, stride, pad, pad, pad, pad);
        return Planner.plan(g.build(g.relu("relu", y)));
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] s = java.util.Arrays.stream(shape.split(" ")).mapToInt(Integer::parseInt).toArray();
        Plan plan = convPlan(s[0], s[1], s[2], s[3], s[4], s[5]);
        be = Backends.create(backend, BackendOptions.threads(threads));
        exe = be.compile(plan);
        input = Tensor.uniform(plan.inputShape(), -1f, 1f, 3);
        output = Tensor.zeros(exe.outputShape());
        exe.run(input, output);
        Tensor expected = new ReferenceBackend().compile(plan).run(input);
        for (int i = 0; i < expected.size(); i++) {
            float e = expected.array()[i], a = output.array()[i];
            if (!(Math.abs(a - e) <= 1e-4 + 1e-4 * Math.abs(e))) {
                throw new IllegalStateException(backend + " conv " + shape + " wrong at " + i + ": " + a + " vs " + e);
            }
        }
    }

    @Benchmark
    public Tensor conv() {
        exe.run(input, output);
        return output;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        exe.close();
        be.close();
    }
}
