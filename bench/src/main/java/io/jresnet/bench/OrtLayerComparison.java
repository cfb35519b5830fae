package io.jresnet.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.models.onnx.OnnxExporter;
import io.jresnet.nn.ResNet;
import io.jresnet.plan.Plan;
import io.jresnet.plan.PlanOp;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where jresnet loses to ONNX Runtime, layer by layer: each convolution's time in jresnet's profiled
 * runs ({@link Session#runProfiled}) beside the same convolution's kernel time in ORT's own profiler
 * ({@code SessionOptions.enableProfiling}), same model and weights (jresnet's ONNX export), same
 * thread count. ORT fuses batch norm, the residual add and ReLU into its convolutions as jresnet
 * does, so the two runtimes run one convolution node per convolution, in the same order; the rows are
 * matched by that order and checked by output shape.
 *
 * <p>The runtimes alternate run by run (one ORT run, one jresnet run, and so on), and each layer's
 * verdict is the median of its per-round ratios: this project's hosts drift by up to 2x between
 * minutes, and timing one runtime's runs and then the other's put that drift into the ratios (on
 * 2026-12-02, one thread, ResNet-50's stride-1 1x1 layers by stage measured 1.48, 1.50, 1.67 and
 * 1.76x ORT timed phase by phase, and 1.17, 1.23, 1.38 and 1.58x alternated, minutes apart). On one
 * thread neither runtime has a pool to spin between runs; with more, each run is followed by a
 * pause in which the workers that spin after a run park, so that they do not take cores from the
 * other runtime's next run.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp
 * bench/target/benchmarks.jar io.jresnet.bench.OrtLayerComparison [model] [threads] [runs]}.
 * Both profilers add a little per op; compare the ratios, not the sums with unprofiled runs.
 */
public final class OrtLayerComparison {
    private OrtLayerComparison() {}

    /** Runs before the timed rounds, for both runtimes: JIT, caches, ORT's arena. */
    private static final int WARM_UP_RUNS = 30;
    /**
     * The pause after each run, long enough for the workers of both runtimes to park: jresnet's spin
     * for about 0.3 ms, ORT's for longer (measured 2026-12-02, 2 threads: after 5 or 30 ms ORT's
     * spinning still doubled the time of jresnet's first layers, after 200 ms no longer).
     */
    private static final int SETTLE_MS = 300;

    /**
     * One convolution in both runtimes.
     *
     * @param ours jresnet's op
     * @param ourMs jresnet's time per round
     * @param ortMs ORT's kernel time per round
     */
    record Layer(LayerProfile.OpTime ours, double[] ourMs, double[] ortMs) {}

    /** The median of the per-round ratios {@code ours[r] / ort[r]}. */
    static double medianRatio(double[] ours, double[] ort) {
        double[] r = new double[ours.length];
        for (int i = 0; i < r.length; i++) r[i] = ours[i] / ort[i];
        return median(r);
    }

    public static void main(String[] args) throws OrtException, IOException {
        String model = args.length > 0 ? args[0] : "resnet50";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        System.out.print(compare(model, threads, runs));
    }

    /**
     * {@return the per-layer table and the sums by kind, as Markdown}
     *
     * @param model a {@link BenchModels} name
     * @param threads each runtime's threads
     * @param runs the alternating rounds timed after the warm-up
     */
    static String compare(String model, int threads, int runs) throws OrtException, IOException {
        Path dir = Files.createTempDirectory("jresnet-ort-layers");
        ResNet net = BenchModels.model(model);
        Path onnx = dir.resolve(model + ".onnx");
        OnnxExporter.write(net, onnx);
        Shape in = BenchModels.input(net, 1);
        Plan plan = net.plan(in);
        Tensor x = Tensor.uniform(in, -1f, 1f, 21);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int n = plan.ops().size();
        long[][] ours = new long[runs][n];
        Path profile;
        String device;
        try (Backend backend = Backends.create("cpu", BackendOptions.threads(threads));
             CompiledModel compiled = backend.compile(plan); Session exe = compiled.newSession();
             OrtSession.SessionOptions opts = ortOptions(threads, dir);
             OrtSession ort = env.createSession(onnx.toString(), opts);
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.array()),
                     Arrays.stream(in.dims()).asLongStream().toArray())) {
            device = backend.device();
            Tensor y = Tensor.zeros(compiled.outputShape());
            Map<String, OnnxTensor> feed = Map.of(ort.getInputNames().iterator().next(), input);
            for (int i = 0; i < WARM_UP_RUNS; i++) {
                ort.run(feed).close();
                exe.run(x, y);
            }
            for (int r = 0; r < runs; r++) {
                ort.run(feed).close();
                settle(threads);
                exe.runProfiled(x, y, ours[r]);
                settle(threads);
            }
            profile = Path.of(ort.endProfiling());
        }
        Map<String, List<Double>> ortTimes = new LinkedHashMap<>();
        Map<String, long[]> ortShapes = new LinkedHashMap<>();
        readOrtConvs(profile, ortTimes, ortShapes);
        return table(model, threads, runs, device, plan, ours, ortTimes, ortShapes);
    }

    /**
     * With more than one thread, a pause after each run: both runtimes' workers spin for a while
     * after a run before they park, and spinning workers would slow the other runtime's next run.
     */
    private static void settle(int threads) {
        if (threads == 1) return;
        try {
            Thread.sleep(SETTLE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static OrtSession.SessionOptions ortOptions(int threads, Path dir) throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(threads);
        opts.setInterOpNumThreads(1);
        opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        opts.enableProfiling(dir.resolve("ort").toString());
        return opts;
    }

    /** ORT's convolution nodes in execution order: every run's kernel time (ms) and the output shape. */
    static void readOrtConvs(Path profile, Map<String, List<Double>> times, Map<String, long[]> shapes)
            throws IOException {
        for (JsonNode e : new ObjectMapper().readTree(profile.toFile())) {
            String node = e.path("name").asText();
            if (!e.path("cat").asText().equals("Node") || !node.endsWith("_kernel_time")
                    || !e.path("args").path("op_name").asText().equals("Conv")) {
                continue;
            }
            node = node.substring(0, node.length() - "_kernel_time".length());
            times.computeIfAbsent(node, k -> new ArrayList<>()).add(e.path("dur").asDouble() / 1e3);
            JsonNode dims = e.path("args").path("output_type_shape").path(0).path("float");
            long[] out = new long[dims.size()];
            for (int i = 0; i < out.length; i++) out[i] = dims.get(i).asLong();
            shapes.put(node, out);
        }
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The per-layer table and the per-kind sums: medians of each runtime, and medians of the per-round ratios. */
    static String table(String model, int threads, int runs, String device, Plan plan, long[][] ours,
                        Map<String, List<Double>> ortTimes, Map<String, long[]> ortShapes) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%s, batch 1, %d thread(s): jresnet cpu on %s against ONNX Runtime, the two alternating run by run; "
                        + "%d rounds after %d warm-up runs each; medians, and the median of the per-round ratios%n%n",
                model, threads, device, runs, WARM_UP_RUNS));
        List<Integer> convOps = new ArrayList<>();
        for (int i = 0; i < plan.ops().size(); i++) if (plan.ops().get(i) instanceof PlanOp.Conv) convOps.add(i);
        List<String> nodes = new ArrayList<>(ortTimes.keySet());
        if (convOps.size() != nodes.size()) {
            return sb.append(String.format("jresnet has %d convolutions, ORT %d: not matched%n", convOps.size(),
                    nodes.size())).toString();
        }
        List<Layer> layers = new ArrayList<>();
        for (int c = 0; c < convOps.size(); c++) {
            int op = convOps.get(c);
            PlanOp planOp = plan.ops().get(op);
            Shape out = plan.shape(planOp.output());
            String node = nodes.get(c);
            if (!Arrays.equals(Arrays.stream(out.dims()).asLongStream().toArray(), ortShapes.get(node))) {
                return sb.append(String.format("convolution %d (%s) has output %s, ORT's %s has %s: not matched%n", c,
                        planOp.name(), out, node, Arrays.toString(ortShapes.get(node)))).toString();
            }
            List<Double> all = ortTimes.get(node);
            if (all.size() != WARM_UP_RUNS + runs) {
                return sb.append(String.format("ORT's %s ran %d times, expected %d%n", node, all.size(),
                        WARM_UP_RUNS + runs)).toString();
            }
            double[] ourMs = new double[runs], ortMs = new double[runs];
            for (int r = 0; r < runs; r++) {
                ourMs[r] = ours[r][op] / 1e6;
                ortMs[r] = all.get(WARM_UP_RUNS + r);
            }
            LayerProfile.OpTime t = new LayerProfile.OpTime(planOp, LayerProfile.kindOf(planOp), out, plan.macs(planOp),
                    median(ourMs));
            layers.add(new Layer(t, ourMs, ortMs));
        }
        sb.append("| # | op | kind | output | jresnet ms | ORT ms | jresnet / ORT |\n| ---: | --- | --- | --- | ---: | ---: | ---: |\n");
        Map<String, List<Layer>> perKind = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            LayerProfile.OpTime t = l.ours();
            sb.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %.3f | %.3f | %.2f |%n", i, t.op().name(), t.kind(),
                    t.output(), t.ms(), median(l.ortMs()), medianRatio(l.ourMs(), l.ortMs())));
            // By kind and output size: the output size says the stage (56, 28, 14, 7 for ResNet-50).
            perKind.computeIfAbsent(t.kind() + " to " + t.output().dim(2) + "x" + t.output().dim(3), k -> new ArrayList<>())
                    .add(l);
        }
        sb.append("\n| kind, output | jresnet ms | ORT ms | jresnet / ORT | jresnet - ORT ms |\n| --- | ---: | ---: | ---: | ---: |\n");
        for (var e : perKind.entrySet()) sb.append(sumRow(e.getKey(), e.getValue(), runs));
        sb.append(sumRow("all convolutions", layers, runs));
        return sb.toString();
    }

    /** A group's summed times per round: the medians of the sums and of the per-round ratios. */
    private static String sumRow(String label, List<Layer> layers, int runs) {
        double[] ours = new double[runs], ort = new double[runs];
        for (Layer l : layers) {
            for (int r = 0; r < runs; r++) {
                ours[r] += l.ourMs()[r];
                ort[r] += l.ortMs()[r];
            }
        }
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f |%n", label, median(ours), median(ort),
                medianRatio(ours, ort), median(ours) - median(ort));
    }
}
