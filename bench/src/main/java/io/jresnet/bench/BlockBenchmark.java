package io.jresnet.bench;

import io.jresnet.nn.BasicBlock;
import io.jresnet.nn.BottleneckBlock;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResidualBlock;
import io.jresnet.nn.ShortcutType;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Shape;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One residual block, fused as the planner fuses it (BN folded, add + ReLU in the last conv), batch 1:
 * {@code bottleneck56}: ResNet-50's layer1 block (256 -> 64 -> 64 -> 256 at 56x56, identity shortcut);
 * {@code bottleneck56s2}: layer2's first block (256 -> 128, stride 2, projection shortcut);
 * {@code basic56}: ResNet-18's layer1 block (64 channels at 56x56).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class BlockBenchmark extends CompiledPlanBenchmark {
    @Param({"bottleneck56", "bottleneck56s2", "basic56"})
    public String block;

    @Override
    protected Plan plan() {
        ResidualBlock b = switch (block) {
            case "bottleneck56" -> new BottleneckBlock(256, 64, 1, ShortcutType.B);
            case "bottleneck56s2" -> new BottleneckBlock(256, 128, 2, ShortcutType.B);
            case "basic56" -> new BasicBlock(64, 64, 1, ShortcutType.B);
            default -> throw new IllegalArgumentException("unknown block " + block);
        };
        Initializers.kaiming(b, 3, false);
        Initializers.randomBatchNormStatistics(b, 4);
        return b.plan(Shape.nchw(1, block.startsWith("basic") ? 64 : 256, 56, 56));
    }
}
