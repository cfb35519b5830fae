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
import io.jresnet.models.onnx.OnnxExporter;
import io.jresnet.nn.ResNet;
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
 * Where jresnet loses to ONNX Runtime, layer by layer: each convolution's median time in jresnet's
 * profiled runs ({@link LayerProfile#opTimes}) beside the same convolution's median kernel time in
 * ORT's own profiler ({@code SessionOptions.enableProfiling}), same model and weights (jresnet's ONNX
 * export), same thread count. ORT fuses batch norm, the residual add and ReLU into its convolutions
 * as jresnet does, so the two runtimes run one convolution node per convolution, in the same order;
 * the rows are matched by that order and checked by output shape.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp
 * bench/target/benchmarks.jar io.jresnet.bench.OrtLayerComparison [model] [threads] [runs]}.
 * Both profilers add a little per op; compare the ratios, not the sums with unprofiled runs.
 */
public final class OrtLayerComparison {
    private OrtLayerComparison() {}

    /** One ORT convolution node: its name, output shape and median kernel time. */
    record OrtConv(String node, long[] output, double ms) {}

    public static void main(String[] args) throws OrtException, IOException {
        String model = args.length > 0 ? args[0] : "resnet50";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path dir = Files.createTempDirectory("jresnet-ort-layers");
        ResNet net = BenchModels.model(model);
        Path onnx = dir.resolve(model + ".onnx");
        OnnxExporter.write(net, onnx);
        Shape in = BenchModels.input(net, 1);
        List<OrtConv> ort = ortConvs(onnx, in, threads, runs, dir);
        try (Backend backend = Backends.create("cpu", BackendOptions.threads(threads))) {
            List<LayerProfile.OpTime> ours = LayerProfile.opTimes(model, backend, 1, runs);
            System.out.print(table(model, threads, runs, backend.device(), ours, ort));
        }
    }

    /** ORT's convolution nodes in execution order, each with the median of its kernel times. */
    static List<OrtConv> ortConvs(Path onnx, Shape in, int threads, int runs, Path dir) throws OrtException, IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Tensor x = Tensor.uniform(in, -1f, 1f, 21);
        Path profile;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.enableProfiling(dir.resolve("ort").toString());
            try (OrtSession session = env.createSession(onnx.toString(), opts);
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.array()),
                         Arrays.stream(in.dims()).asLongStream().toArray())) {
                String name = session.getInputNames().iterator().next();
                // The first runs are warm-up, dropped below; the profile holds them all.
                for (int i = 0; i < 10 + runs; i++) session.run(Map.of(name, input)).close();
                profile = Path.of(session.endProfiling());
            }
        }
        Map<String, List<Double>> times = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
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
        List<OrtConv> convs = new ArrayList<>();
        for (var t : times.entrySet()) {
            List<Double> v = t.getValue();
            List<Double> timed = new ArrayList<>(v.subList(Math.min(10, v.size() - 1), v.size()));
            timed.sort(null);
            convs.add(new OrtConv(t.getKey(), shapes.get(t.getKey()), timed.get(timed.size() / 2)));
        }
        return convs;
    }

    static String table(String model, int threads, int runs, String device, List<LayerProfile.OpTime> ours,
                        List<OrtConv> ort) {
        List<LayerProfile.OpTime> convs = ours.stream().filter(t -> t.op() instanceof PlanOp.Conv).toList();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%s, batch 1, %d thread(s): jresnet cpu on %s against ONNX Runtime; medians of %d profiled runs%n%n",
                model, threads, device, runs));
        if (convs.size() != ort.size()) {
            sb.append(String.format("jresnet has %d convolutions, ORT %d: not matched%n", convs.size(), ort.size()));
            return sb.toString();
        }
        sb.append("| # | op | kind | output | jresnet ms | ORT ms | jresnet / ORT |\n| ---: | --- | --- | --- | ---: | ---: | ---: |\n");
        Map<String, double[]> perKind = new LinkedHashMap<>();
        double oursTotal = 0, ortTotal = 0;
        for (int i = 0; i < convs.size(); i++) {
            LayerProfile.OpTime t = convs.get(i);
            OrtConv o = ort.get(i);
            if (!Arrays.equals(Arrays.stream(t.output().dims()).asLongStream().toArray(), o.output())) {
                sb.append(String.format("convolution %d (%s) has output %s, ORT's %s has %s: not matched%n", i,
                        t.op().name(), t.output(), o.node(), Arrays.toString(o.output())));
                return sb.toString();
            }
            oursTotal += t.ms();
            ortTotal += o.ms();
            // By kind and output size: the output size says the stage (56, 28, 14, 7 for ResNet-50).
            String group = t.kind() + " to " + t.output().dim(2) + "x" + t.output().dim(3);
            double[] k = perKind.computeIfAbsent(group, x -> new double[2]);
            k[0] += t.ms();
            k[1] += o.ms();
            sb.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %.3f | %.3f | %.2f |%n", i, t.op().name(), t.kind(),
                    t.output(), t.ms(), o.ms(), t.ms() / o.ms()));
        }
        sb.append("\n| kind, output | jresnet ms | ORT ms | jresnet / ORT | jresnet - ORT ms |\n| --- | ---: | ---: | ---: | ---: |\n");
        for (var e : perKind.entrySet()) {
            double[] v = e.getValue();
            sb.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f |%n", e.getKey(), v[0], v[1], v[0] / v[1],
                    v[0] - v[1]));
        }
        sb.append(String.format(Locale.ROOT, "| all convolutions | %.2f | %.2f | %.2f | %.2f |%n", oursTotal, ortTotal,
                oursTotal / ortTotal, oursTotal - ortTotal));
        return sb.toString();
    }
}
