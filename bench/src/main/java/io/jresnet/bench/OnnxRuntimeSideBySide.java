package io.jresnet.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.models.onnx.OnnxExporter;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * jresnet against ONNX Runtime (CPU provider, all graph optimisations) on the same model, weights
 * (through an ONNX file jresnet exports), input, thread count and machine, each runtime timed in
 * phases of its own (see {@link #measure}). Prints a Markdown table of medians, minimums and the
 * ratio.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp
 * bench/target/benchmarks.jar io.jresnet.bench.OnnxRuntimeSideBySide [--backend cpu] [--threads 2]
 * [--iterations 60] [--cases resnet50:1,resnet50:8,resnet18:1,resnet56:1,resnet56:64] [--out docs]}.
 */
public final class OnnxRuntimeSideBySide {
    /**
     * One measured case. {@code ratio} is jresnet's time over ORT's: the median of the per-round ratios
     * of medians, so that the host's drift between rounds (this machine's speed moves by 10-20% within
     * minutes) cancels out.
     */
    record Result(String model, int batch, int threads, String backend, double jresnetMedianMs, double jresnetMinMs,
                  double ortMedianMs, double ortMinMs, double gmacsPerImage, double relativeDiff, double ratio,
                  int rounds) {

        double gflops(double ms) {
            return 2 * gmacsPerImage * batch / (ms / 1e3);
        }
    }

    public static void main(String[] args) throws Exception {
        String backend = "cpu";
        int threads = 2;
        int iterations = 60;
        String cases = "resnet50:1,resnet50:8,resnet18:1,resnet56:1,resnet56:64";
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--backend" -> backend = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--cases" -> cases = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        List<Result> results = new ArrayList<>();
        Path dir = Files.createTempDirectory("jresnet-side-by-side");
        try (Backend be = Backends.create(backend, BackendOptions.threads(threads))) {
            for (String c : cases.split(",")) {
                String[] mb = c.split(":");
                Result r = measure(be, mb[0], Integer.parseInt(mb[1]), threads, iterations, dir);
                results.add(r);
                System.err.printf("%s batch %d: jresnet %.2f ms, ONNX Runtime %.2f ms, ratio %.2f%n", r.model(),
                        r.batch(), r.jresnetMedianMs(), r.ortMedianMs(), r.ratio());
            }
            String table = table(results, be.device());
            System.out.print(table);
            if (out != null) {
                Files.createDirectories(out);
                Files.writeString(out.resolve("side-by-side.md"), table);
                LatencyChart.write(results, out.resolve("latency.png"));
            }
        }
    }

    static Result measure(Backend be, String model, int batch, int threads, int iterations, Path dir)
            throws OrtException, IOException {
        ResNet net = BenchModels.model(model);
        BenchModels.validate(be, net);
        Path onnx = dir.resolve(model + ".onnx");
        if (!Files.exists(onnx)) OnnxExporter.write(net, onnx);
        Shape in = BenchModels.input(net, batch);
        Tensor x = Tensor.uniform(in, -1f, 1f, 21);
        double gmacs = net.macs(in.withBatch(1)) / 1e9;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(onnx.toString(), opts);
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.array()),
                         Arrays.stream(in.dims()).asLongStream().toArray());
                 CompiledModel compiled = be.compile(net.plan(in)); Session exe = compiled.newSession()) {
                String inputName = session.getInputNames().iterator().next();
                Tensor y = Tensor.zeros(exe.model().outputShape());
                float[] ortOut = new float[y.size()];
                long warmEnd = System.nanoTime() + 3_000_000_000L; // at least 5 runs and 3 s each: JIT settles
                for (int i = 0; i < 5 || System.nanoTime() < warmEnd; i++) {
                    exe.run(x, y);
                    runOrt(session, inputName, input, ortOut);
                }
                // Agreement relative to the logit scale: seeded random BN statistics make logits large.
                double diff = 0, scale = 1;
                for (int i = 0; i < ortOut.length; i++) {
                    diff = Math.max(diff, Math.abs(ortOut[i] - y.array()[i]));
                    scale = Math.max(scale, Math.abs(ortOut[i]));
                }
                diff /= scale;
                // Each runtime is timed in a phase of its own, never alternated run by run: both
                // runtimes' workers spin for a while after a run (ORT's intra-op threads with
                // spinning on, its default), so an alternated run competes with the other's
                // spinning threads on the same cores. Phases of RUNS_PER_PHASE runs alternate
                // (ours, theirs, ours, theirs, ...) so that the machine's drift between minutes
                // reaches both alike; each round's ratio compares two phases a few seconds apart.
                // Before each phase the other runtime's workers get time to park and the runtime
                // about to be timed gets one untimed run.
                int rounds = Math.max(2, (iterations + RUNS_PER_PHASE - 1) / RUNS_PER_PHASE);
                long[] ours = new long[rounds * RUNS_PER_PHASE];
                long[] theirs = new long[ours.length];
                double[] ratios = new double[rounds];
                for (int round = 0; round < rounds; round++) {
                    int from = round * RUNS_PER_PHASE, to = from + RUNS_PER_PHASE;
                    settle();
                    exe.run(x, y);
                    for (int i = from; i < to; i++) {
                        long t0 = System.nanoTime();
                        exe.run(x, y);
                        ours[i] = System.nanoTime() - t0;
                    }
                    settle();
                    runOrt(session, inputName, input, ortOut);
                    for (int i = from; i < to; i++) {
                        long t0 = System.nanoTime();
                        runOrt(session, inputName, input, ortOut);
                        theirs[i] = System.nanoTime() - t0;
                    }
                    ratios[round] = median(ours, from, to) / median(theirs, from, to);
                }
                Arrays.sort(ours);
                Arrays.sort(theirs);
                Arrays.sort(ratios);
                int n = ours.length;
                double ratio = rounds % 2 == 1 ? ratios[rounds / 2] : (ratios[rounds / 2 - 1] + ratios[rounds / 2]) / 2;
                return new Result(model, batch, threads, be.name(), median(ours, 0, n) / 1e6, ours[0] / 1e6,
                        median(theirs, 0, n) / 1e6, theirs[0] / 1e6, gmacs, diff, ratio, rounds);
            }
        }
    }

    /** Runs per timed phase: enough for a stable median, few enough that a round spans seconds, not minutes. */
    static final int RUNS_PER_PHASE = 10;

    /** The median of {@code t[from, to)} (sorts a copy). */
    static double median(long[] t, int from, int to) {
        long[] c = Arrays.copyOfRange(t, from, to);
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2.0;
    }

    /** Lets the other runtime's spinning workers park before a phase starts. */
    private static void settle() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void runOrt(OrtSession session, String inputName, OnnxTensor input, float[] out)
            throws OrtException {
        try (OrtSession.Result r = session.run(Map.of(inputName, input))) {
            ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
        }
    }

    static String table(List<Result> results, String device) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Measured %s on %s (%d available processors), Java %s, ONNX Runtime %s (CPU provider).%n%n",
                LocalDate.now(), device, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                OrtEnvironment.getEnvironment().getVersion()));
        sb.append("| model | batch | threads | rounds x runs | jresnet ms (median / min) | ORT ms (median / min) | jresnet / ORT (median of rounds) | jresnet GFLOP/s | ORT GFLOP/s | max abs diff / max logit |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Result r : results) {
            sb.append(String.format("| %s | %d | %d | %d x %d | %.2f / %.2f | %.2f / %.2f | %.2f | %.0f | %.0f | %.1e |%n", r.model(),
                    r.batch(), r.threads(), r.rounds(), RUNS_PER_PHASE, r.jresnetMedianMs(), r.jresnetMinMs(), r.ortMedianMs(), r.ortMinMs(),
                    r.ratio(), r.gflops(r.jresnetMedianMs()), r.gflops(r.ortMedianMs()), r.relativeDiff()));
        }
        return sb.toString();
    }
}
