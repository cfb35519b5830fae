package io.jresnet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jresnet.JResnetException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jresnet bench}: times a model on a backend. Before timing, the backend's output is checked
 * once against the {@code reference} backend on the same input (nothing is timed unless it is right).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time a model on a backend: median and min latency, images/s and GFLOP/s (2 x MACs / time).")
final class BenchCommand implements Callable<Integer> {
    /** Largest |backend - reference| allowed, relative to the largest reference output (and at least 1). */
    static final double CHECK_TOLERANCE = 1e-2;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "resnet50", paramLabel = "NAME|FILE",
            description = "A zoo name (seeded random weights) or a .safetensors, .pth or .onnx file (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--arch", description = "Architecture of a weights file, when its weights match no zoo architecture by name and shape.")
    String arch;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights and input (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "N", description = "Images per run (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--backend", paramLabel = "NAME", description = "Backend (default: the best available; see 'jresnet backends').")
    String backend;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Worker threads (default: one per core).")
    int threads;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iterations", defaultValue = "10", paramLabel = "N", description = "Timed runs (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--input-size", paramLabel = "N", description = "Image side (default: 224 for ImageNet stems, 32 for CIFAR).")
    int inputSize;

    @Option(names = "--no-check", description = "Skip the comparison with the reference backend before timing.")
    boolean noCheck;

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (batch < 1 || iterations < 1 || warmup < 0 || threads < 0) {
            throw new JResnetException("--batch and --iterations must be at least 1, --warmup and --threads at least 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LoadedModel m = ModelSource.load(model, arch, seed);
        int size = inputSize > 0 ? inputSize : m.defaultInputSize();
        Shape shape = Shape.nchw(batch, m.inChannels(), size, size);
        Plan plan = Planner.plan(m.graph(shape));
        Tensor input = Tensor.uniform(shape, -1f, 1f, seed);
        BackendOptions options = BackendOptions.threads(threads);
        try (Backend b = Backends.create(backend, options); CompiledModel compiled = b.compile(plan); Session exe = compiled.newSession()) {
            Tensor output = Tensor.zeros(exe.model().outputShape());
            Double diff = null;
            if (!noCheck && !b.name().equals("reference")) {
                diff = check(plan, input, exe, output, b.name());
                err.printf(Locale.ROOT, "check: max |%s - reference| = %.3g%n", b.name(), diff);
            }
            long[] nanos = time(exe, input, output, err, m.name() + " on " + b.name());
            Arrays.sort(nanos);
            double medianMs = median(nanos) / 1e6;
            double minMs = nanos[0] / 1e6;
            double imagesPerS = batch / (medianMs / 1e3);
            double gflops = 2.0 * plan.macs() / (medianMs / 1e3) / 1e9;
            if (json) {
                ObjectNode o = CliJson.mapper().createObjectNode();
                o.put("model", m.name());
                o.put("backend", b.name());
                o.put("device", b.device());
                o.put("batch", batch);
                o.put("threads", b.name().equals("reference") ? 1 : options.resolvedThreads());
                o.put("input_size", size);
                o.put("warmup", warmup);
                o.put("iterations", iterations);
                o.put("median_ms", medianMs);
                o.put("min_ms", minMs);
                o.put("images_per_s", imagesPerS);
                o.put("gflops", gflops);
                o.put("macs", plan.macs());
                if (diff != null) o.put("max_abs_diff", diff); else o.putNull("max_abs_diff");
                out.println(CliJson.mapper().writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "%s (%s), batch %d, %dx%d, on %s (%s)%n", m.name(), m.origin(), batch, size, size, b.name(),
                        b.device());
                out.printf(Locale.ROOT, "median %.3f ms, min %.3f ms over %d runs (%d warm-up)%n", medianMs, minMs, iterations, warmup);
                out.printf(Locale.ROOT, "%.1f images/s, %.2f GFLOP/s (%.3g MACs per run)%n", imagesPerS, gflops, (double) plan.macs());
            }
            out.flush();
        }
        return 0;
    }

    /** Runs the input on the reference backend and returns the largest difference, failing if it is too large. */
    private static double check(Plan plan, Tensor input, Session exe, Tensor output, String name) {
        Tensor expected;
        try (Backend ref = Backends.create("reference", BackendOptions.defaults());
             CompiledModel refCompiled = ref.compile(plan); Session refExe = refCompiled.newSession()) {
            expected = refExe.run(input);
        }
        exe.run(input, output);
        double maxDiff = 0, maxRef = 0;
        float[] e = expected.array(), a = output.array();
        for (int i = 0; i < expected.size(); i++) {
            double d = Math.abs((double) a[output.offset() + i] - e[expected.offset() + i]);
            if (Double.isNaN(d)) d = Double.POSITIVE_INFINITY;
            maxDiff = Math.max(maxDiff, d);
            maxRef = Math.max(maxRef, Math.abs(e[expected.offset() + i]));
        }
        if (!(maxDiff <= CHECK_TOLERANCE * Math.max(1, maxRef))) {
            throw new JResnetException("backend '" + name + "' disagrees with reference: max abs diff " + maxDiff
                    + " (allowed " + CHECK_TOLERANCE * Math.max(1, maxRef) + "); not timing a wrong result"
                    + " (--no-check skips this check)");
        }
        return maxDiff;
    }

    private long[] time(Session exe, Tensor input, Tensor output, PrintWriter err, String label) {
        ProgressLine warm = new ProgressLine(err, "warm-up " + label, warmup);
        for (int i = 0; i < warmup; i++) {
            exe.run(input, output);
            warm.step();
        }
        warm.finish();
        long[] nanos = new long[iterations];
        ProgressLine timing = new ProgressLine(err, "timing  " + label, iterations);
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            exe.run(input, output);
            nanos[i] = System.nanoTime() - t0;
            timing.step();
        }
        timing.finish();
        return nanos;
    }

    private static double median(long[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
