package io.jresnet.bench;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.Executable;
import io.jresnet.nn.ResNet;
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
 * Whole-network inference latency per backend, model and batch. GFLOP/s = 2 x MACs / time; the MAC
 * counts are ResNet-18 1.814 G, ResNet-50 4.089 G (224x224) and ResNet-56 0.126 G (32x32) per image.
 * Each trial validates the backend against {@code reference} before timing.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar NetworkBenchmark -p backend=cpu}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class NetworkBenchmark {
    @Param({"resnet50", "resnet18", "resnet56"})
    public String model;

    @Param({"cpu"})
    public String backend;

    @Param({"1", "8"})
    public int batch;

    /** 0: one per core. */
    @Param({"0"})
    public int threads;

    private Backend be;
    private Executable exe;
    private Tensor input;
    private Tensor output;

    @Setup(Level.Trial)
    public void setUp() {
        be = Backends.create(backend, BackendOptions.threads(threads));
        ResNet net = BenchModels.model(model);
        BenchModels.validate(be, net);
        Shape in = BenchModels.input(net, batch);
        exe = be.compile(net.plan(in));
        input = Tensor.uniform(in, -1f, 1f, 11);
        output = Tensor.zeros(exe.outputShape());
    }

    @Benchmark
    public Tensor infer() {
        exe.run(input, output);
        return output;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        exe.close();
        be.close();
    }
}
