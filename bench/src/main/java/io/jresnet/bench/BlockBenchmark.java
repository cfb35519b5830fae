package io.jresnet.bench;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.Executable;
import io.jresnet.nn.BasicBlock;
import io.jresnet.nn.BottleneckBlock;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResidualBlock;
import io.jresnet.nn.ShortcutType;
import io.jresnet.plan.Plan;
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
 * One residual block, fused as the planner fuses it (BN folded, add + ReLU in the last conv), batch 1:
 * {@code bottleneck56}: ResNet-50's layer1 block (256 -> 64 -> 64 -> 256 at 56x56, identity shortcut);
 * {@code bottleneck28s2}: layer2's first block (256 -> 128, stride 2, projection shortcut);
 * {@code basic56}: ResNet-18's layer1 block (64 channels at 56x56).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BlockBenchmark {
    @Param({"bottleneck56", "bottleneck28s2", "basic56"})
    public String block;

    @Param({"cpu"})
    public String backend;

    @Param({"0"})
    public int threads;

    private Backend be;
    private Executable exe;
    private Tensor input;
    private Tensor output;

    @Setup(Level.Trial)
    public void setUp() {
        ResidualBlock b = switch (block) {
            case "bottleneck56" -> new BottleneckBlock(256, 64, 1, ShortcutType.B);
            case "bottleneck28s2" -> new BottleneckBlock(256, 128, 2, ShortcutType.B);
            case "basic56" -> new BasicBlock(64, 64, 1, ShortcutType.B);
            default -> throw new IllegalArgumentException("unknown block " + block);
        };
        Initializers.kaiming(b, 3, false);
        Initializers.randomBatchNormStatistics(b, 4);
        int c = block.startsWith("basic") ? 64 : 256;
        Plan plan = b.plan(Shape.nchw(1, c, 56, 56));
        be = Backends.create(backend, BackendOptions.threads(threads));
        exe = be.compile(plan);
        input = Tensor.uniform(plan.inputShape(), -1f, 1f, 5);
        output = Tensor.zeros(exe.outputShape());
        exe.run(input, output);
        Tensor expected = new ReferenceBackend().compile(plan).run(input);
        double scale = 0, worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            scale = Math.max(scale, Math.abs(expected.array()[i]));
            worst = Math.max(worst, Math.abs(expected.array()[i] - output.array()[i]));
        }
        if (!(worst <= 1e-3 * Math.max(1, scale))) {
            throw new IllegalStateException(backend + " block " + block + " differs from reference by " + worst);
        }
    }

    @Benchmark
    public Tensor run() {
        exe.run(input, output);
        return output;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        exe.close();
        be.close();
    }
}
