package io.jresnet.bench;

import io.jresnet.backend.Backend;
import io.jresnet.nn.ResNet;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole-network inference latency per backend, model and batch. GFLOP/s = 2 x MACs / time; the MAC
 * counts are ResNet-18 1.814 G, ResNet-50 4.089 G (224x224) and ResNet-56 0.126 G (32x32) per image.
 * The backend is validated against {@code reference} on one image before timing (the reference is
 * too slow to run every batch size).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar NetworkBenchmark -p backend=cpu,opencl}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class NetworkBenchmark extends CompiledPlanBenchmark {
    @Param({"resnet50", "resnet18", "resnet56"})
    public String model;

    @Param({"1", "8"})
    public int batch;

    private ResNet net;

    @Override
    protected Plan plan() {
        net = BenchModels.model(model);
        return net.plan(BenchModels.input(net, batch));
    }

    @Override
    protected void validate(Backend backend, Plan plan, Tensor input, Tensor actual) {
        BenchModels.validate(backend, net);
    }
}
