package io.jresnet.bench;

import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The convolutions of ResNet-50 at 224x224, batch 1, with the fused bias + ReLU epilogue, one op per
 * plan (pass {@code -p threads=1} for single-thread efficiency). Shapes are "C H W K kernel stride": the stem, each stage's 1x1
 * reduce / 3x3 / 1x1 restore, and the strided 3x3. GFLOP/s = 2 x MACs / time with MACs = K x OH x OW
 * x C x kernel^2; divide by PeakFmaBenchmark's figure for the efficiency.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ConvBenchmark extends CompiledPlanBenchmark {
    @Param({"3 224 224 64 7 2", "64 56 56 64 1 1", "64 56 56 64 3 1", "64 56 56 256 1 1", "256 56 56 64 1 1",
            "128 56 56 128 3 2", "128 28 28 128 3 1", "256 14 14 256 3 1", "512 7 7 512 3 1", "1024 14 14 256 1 1"})
    public String shape;

    @Override
    protected Plan plan() {
        int[] s = Arrays.stream(shape.split(" ")).mapToInt(Integer::parseInt).toArray();
        return convPlan(s[0], s[1], s[2], s[3], s[4], s[5]);
    }

    static Plan convPlan(int c, int h, int w, int k, int kernel, int stride) {
        GraphBuilder g = new GraphBuilder();
        int x = g.input(Shape.nchw(1, c, h, w));
        Tensor weight = Tensor.uniform(Shape.of(k, c, kernel, kernel), -0.1f, 0.1f, 1);
        Tensor bias = Tensor.uniform(Shape.of(k), -0.1f, 0.1f, 2);
        int pad = kernel / 2;
        int y = g.conv("conv", x, weight, bias, stride, stride, pad, pad, pad, pad);
        return Planner.plan(g.build(g.relu("relu", y)));
    }
}
