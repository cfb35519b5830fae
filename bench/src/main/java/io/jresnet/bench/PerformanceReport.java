package io.jresnet.bench;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.ResNet;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Regenerates {@code docs/PERFORMANCE.md}: the machine's Vector API FMA peak (JMH), jresnet's cpu
 * backend against ONNX Runtime side by side, cpu against reference, and where the time goes per layer.
 *
 * <p>Run on an idle machine: {@code bench/performance-report.sh} (builds, then runs this class with
 * {@code --out docs}). Options: {@code --threads N} (default 2), {@code --iterations N} (default 60),
 * {@code --cases model:batch,...}, {@code --skip-reference}, {@code --include-256 FILE},
 * {@code --include-one-shot FILE}, {@code --include-torch FILE} (sections measured by the script).
 */
public final class PerformanceReport {
    /** The one-shot section around {@code bench/one-shot.sh}'s table. */
    static String oneShotSection(String table) {
        return "## One-shot runs (whole processes)\n\n"
                + "A script or a container that runs jresnet once per call pays for starting the JVM, loading the "
                + "model, packing its weights and running it before the JIT has compiled the kernels. "
                + "`bench/one-shot.sh` times such calls as whole processes (`/usr/bin/time`), ONNX Runtime's Java "
                + "API on the same ONNX file and input in the same rounds (`io.jresnet.bench.OrtOneShot`).\n\n"
                + table.strip() + "\n\n"
                + "Where a one-shot run's time goes (ResNet-50 from ONNX, phases timed in-process): mapping and "
                + "parsing the file about 0.2 s, decoding the weights into a graph 0.15 s, packing them 0.5 s, "
                + "the first image 1.8-2.1 s against 0.1-0.2 s once compiled. The first image is slow because "
                + "HotSpot compiles the Vector API kernels while they run: `-XX:+CITime` counts 3.0 s of C2 and "
                + "0.7 s of C1 compilation in the process, on a machine with two cores that also run the kernels. "
                + "JDK 25's ahead-of-time cache keeps classes and profiles, not compiled code, so it does not "
                + "remove this; ONNX Runtime's kernels are compiled before it starts.\n\n"
                + "JFR's compilation events (2026-12-02) name the costliest compilations: the 12-row GEMM "
                + "micro-kernel compiled twice on stack replacement (entering its running loop) at 0.25-0.27 s each, "
                + "77-81 KB of code against 5.7 KB and 0.05 s for its ordinary compilation, and the stem's window "
                + "kernel on stack replacement at 0.18 s. What did not help, as whole processes: "
                + "`-XX:+AOTCompileEagerly` with the AOT cache, lower compile thresholds for the cpu backend's "
                + "methods only (`CompileThresholdScaling` 0.01-0.2 per method), `-XX:-UseOnStackReplacement` "
                + "(slower: 4.8-5.2 s), and a thread that calls the micro-kernels on small panels while the model "
                + "loads (it took 0.4-0.7 s itself, boxed in the interpreter and C1). A zoo model's weights are "
                + "drawn on all cores (`Initializers.kaiming`, ResNet-50 about 1 s to 0.5 s), and `summary` "
                + "builds the architecture without drawing them.\n\n"
                + "Memory: the ONNX file is memory-mapped and parsed without copying its weights, each graph "
                + "decodes them once (`OnnxModel`), and a compiled model keeps only its packed weights "
                + "(`CpuCompiledModel` drops the plan). The plan folds batch norm into a copy of the conv "
                + "weights, and `infer` compiles it as a plan for one compile (`Plan.forOneCompile`): the "
                + "backend takes each op once and the plan forgets it, so each layer's plan weights are garbage "
                + "as soon as they are packed. The parallel collector frees old objects only in full "
                + "collections, which it runs only when the heap cannot grow, so `infer` also runs a full "
                + "collection after loading a weights file (whose decoded tensors were copied into the network) "
                + "and, while packing, one per 16 MB of old-generation growth (`OldGenerationWatch`, a usage "
                + "threshold on the old generation's memory pool). The peak is then the larger of planning (the "
                + "network's and the plan's weights, from a weights file or the zoo) and packing (the packed "
                + "weights and one layer's plan weights), plus the JVM. Measured as whole processes on "
                + "2026-12-02 (Zen 5, beside a training run): from ONNX 350-367 MB to 275-285 MB, from "
                + ".safetensors 419 MB to 309-321 MB, from the zoo 340-360 MB to 297-312 MB.\n\n";
    }

    /**
     * The PyTorch section: {@code bench/torch_inference.py}'s output (a line naming the versions, then
     * rows of model, batch, median ms, min ms) beside this report's jresnet medians for the same cases.
     */
    static String torchSection(List<String> lines, List<OnnxRuntimeSideBySide.Result> results) {
        StringBuilder sb = new StringBuilder("### PyTorch, the second peer\n\n");
        sb.append(lines.isEmpty() ? "" : lines.get(0).strip()).append(", eager mode (`eval()`, `no_grad()`, float32, "
                + "batch norm not folded), timed by `bench/torch_inference.py` in its own process just before this "
                + "report's other measurements. The ratio sets jresnet's median above against PyTorch's measured "
                + "minutes earlier, so the host's drift between the two (10-20%) is in it, unlike the ORT ratios.\n\n");
        sb.append("| model | batch | PyTorch ms (median / min) | jresnet ms (median) | jresnet / PyTorch |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: |\n");
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.split("\\|");
            if (f.length < 5) continue;
            String model = f[1].strip();
            int batch = Integer.parseInt(f[2].strip());
            double median = Double.parseDouble(f[3].strip()), min = Double.parseDouble(f[4].strip());
            String ours = "", ratio = "";
            for (OnnxRuntimeSideBySide.Result r : results) {
                if (r.model().equals(model) && r.batch() == batch) {
                    ours = String.format("%.2f", r.jresnetMedianMs());
                    ratio = String.format("%.2f", r.jresnetMedianMs() / median);
                }
            }
            sb.append(String.format("| %s | %d | %.2f / %.2f | %s | %s |%n", model, batch, median, min, ours, ratio));
        }
        return sb.append('\n').toString();
    }

    public static void main(String[] args) throws Exception {
        int threads = 2;
        int iterations = 60;
        String cases = "resnet50:1,resnet50:8,resnet18:1,resnet56:1,resnet56:64,builtin:1,builtin:256";
        boolean reference = true;
        Path narrower = null;
        Path oneShot = null;
        Path torch = null;
        Path out = Path.of("docs");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--cases" -> cases = args[++i];
                case "--skip-reference" -> reference = false;
                case "--include-256" -> narrower = Path.of(args[++i]);
                case "--include-one-shot" -> oneShot = Path.of(args[++i]);
                case "--include-torch" -> torch = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        double[] peak = {peakGflops(1), peakGflops(2)};
        StringBuilder doc = new StringBuilder("# Performance\n\n");
        doc.append("Regenerate on an idle machine with `bench/performance-report.sh` (about 18 minutes).\n\n");
        doc.append(String.format("Measured %s on %s, %d available processors, Java %s, vector species %s; load average "
                        + "%.2f when the run started.%n%n", LocalDate.now(), cpuModel(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, load));
        doc.append("## The machine's FMA peak from Java\n\n");
        doc.append("JMH `PeakFmaBenchmark` (12 independent FMA chains, no memory traffic): the 100% every efficiency "
                + "below is quoted against.\n\n| threads | GFLOP/s |\n| ---: | ---: |\n");
        doc.append(String.format("| 1 | %.1f |%n| 2 | %.1f |%n%n", peak[0], peak[1]));

        List<OnnxRuntimeSideBySide.Result> results = new ArrayList<>();
        Path tmp = Files.createTempDirectory("jresnet-report");
        String device;
        try (Backend be = Backends.create("cpu", BackendOptions.threads(threads))) {
            device = be.device();
            for (String c : cases.split(",")) {
                String[] mb = c.split(":");
                results.add(OnnxRuntimeSideBySide.measure(be, mb[0], Integer.parseInt(mb[1]), threads, iterations, tmp));
                System.err.println("measured " + c);
            }
        }
        doc.append("## jresnet `cpu` against ONNX Runtime\n\n");
        doc.append("Same model and weights (jresnet exports the ONNX file ORT runs), same input, same thread count. "
                + "Each runtime is timed in phases of its own, " + OnnxRuntimeSideBySide.RUNS_PER_PHASE + " runs each, "
                + "the phases alternating (jresnet, ORT, jresnet, ORT, ...), each after a pause that lets the other's "
                + "workers park: ORT's intra-op threads spin between runs (its default, left on), and so do "
                + "jresnet's, so runs alternated one by one slow each other down. The ratio is the median of the "
                + "rounds' ratios of medians: this machine's speed drifts by 10-20% between minutes, and a round's "
                + "two phases lie seconds apart. ORT: CPU "
                + "execution provider, all graph optimisations, sequential execution. `builtin` is the README's "
                + "trained Fashion-MNIST ResNet-20 (1 x 28 x 28). GFLOP/s = 2 x MACs / median time.\n\n");
        doc.append(OnnxRuntimeSideBySide.table(results, device)).append('\n');
        if (narrower != null && Files.exists(narrower)) {
            doc.append("### The AVX2 path: `-Djresnet.cpu.vectorBits=256`, same machine, same script\n\n")
                    .append(Files.readString(narrower)).append('\n');
        }
        if (torch != null && Files.exists(torch)) doc.append(torchSection(Files.readAllLines(torch), results));
        Files.createDirectories(out);
        LatencyChart.write(results, out.resolve("performance-latency.png"));
        doc.append("![latency per image](performance-latency.png)\n\n");
        if (oneShot != null && Files.exists(oneShot)) doc.append(oneShotSection(Files.readString(oneShot)));

        doc.append("## Steady-state allocation\n\n");
        doc.append(String.format("JMH's GC profiler on `NetworkBenchmark` (cpu, %d threads, batch 1): ResNet-56 "
                + "allocates %.1f bytes per inference, ResNet-50 %.1f (`gc.alloc.rate.norm`; JMH's own "
                + "bookkeeping included). Counted in-process instead (all threads' allocated bytes per run over 50 runs, "
                + "after 3 s of warm-up, the smallest of up to 5 such windows, `com.sun.management.ThreadMXBean`): ResNet-56 %.1f, ResNet-50 %.1f bytes per run.%n%n",
                threads, allocatedBytesPerRun("resnet56", threads), allocatedBytesPerRun("resnet50", threads),
                allocatedBytesInProcess("resnet56", threads), allocatedBytesInProcess("resnet50", threads)));
        double speedup = Double.NaN;
        if (reference) {
            doc.append("## `cpu` against `reference` (ResNet-50, batch 1)\n\n");
            double[] ms = referenceRatio(threads);
            speedup = ms[0] / ms[1];
            doc.append(String.format("reference (scalar, 1 thread): %.0f ms for one run; cpu (%d threads, run alone): "
                    + "median %.1f ms; speed-up %.0fx.%n%n", ms[0], threads, ms[1], speedup));
        }
        String oneThread = LayerProfile.profile("resnet50", "cpu", 1, 1, 20, peak[0]);
        doc.append(targets(results, peak, speedup, oneThread));
        doc.append("## Where the time goes (ResNet-50, batch 1, cpu, one thread)\n\n");
        int kinds = oneThread.lastIndexOf("\n| kind |");
        doc.append(String.format("Per op kind (sum of per-op medians; %% of the one-thread FMA peak, %.0f GFLOP/s; "
                        + "Winograd layers are credited with their direct convolution's FLOPs):%n", peak[0]))
                .append(oneThread.substring(kinds)).append("\n<details><summary>Every op</summary>\n\n")
                .append(oneThread, 0, kinds).append("\n</details>\n\n");
        String twoThreads = LayerProfile.profile("resnet50", "cpu", 1, threads, 20, peak[1]);
        int kinds2 = twoThreads.lastIndexOf("\n| kind |");
        doc.append("## The same on ").append(threads).append(" threads\n")
                .append(twoThreads.substring(kinds2)).append('\n');
        doc.append(layersAgainstOrt(threads));
        Files.writeString(out.resolve("PERFORMANCE.md"), doc.toString());
        System.out.print(doc);
    }

    /**
     * ResNet-50's convolutions beside ORT's, the two runtimes alternating run by run
     * ({@link OrtLayerComparison}): the sums by kind and stage, every layer folded away.
     */
    static String layersAgainstOrt(int threads) throws Exception {
        String table = OrtLayerComparison.compare("resnet50", threads, 21);
        int kinds = table.indexOf("\n| kind, output |");
        int layers = table.indexOf("| # |");
        if (kinds < 0 || layers < 0) return "## Layer by layer against ONNX Runtime\n\n" + table + "\n";
        return "## Layer by layer against ONNX Runtime (ResNet-50, batch 1, " + threads + " threads)\n\n"
                + "`io.jresnet.bench.OrtLayerComparison resnet50 " + threads + " 21`, " + LocalDate.now() + ": "
                + table.substring(0, table.indexOf('\n')) + ". Each convolution's time in jresnet's profiled runs "
                + "is beside its kernel time in ORT's profiler; a pause after each run lets spinning workers park, "
                + "and each ratio is the median of the per-round ratios, so the host's drift between minutes "
                + "cancels out.\n" + table.substring(kinds)
                + "\n<details><summary>Every convolution</summary>\n\n" + table.substring(layers, kinds)
                + "\n</details>\n\n";
    }

    /** Issue 12's targets against this run's numbers. */
    private static String targets(List<OnnxRuntimeSideBySide.Result> results, double[] peak, double speedup,
                                  String oneThreadProfile) {
        StringBuilder sb = new StringBuilder("## Targets\n\n| target | measured | met |\n| --- | --- | --- |\n");
        for (OnnxRuntimeSideBySide.Result r : results) {
            String what;
            double bound;
            switch (r.model() + ":" + r.batch()) {
                case "resnet50:1" -> { what = "ResNet-50 batch 1 latency <= 1.0x ORT"; bound = 1.0; }
                case "resnet50:8" -> { what = "ResNet-50 batch 8 throughput >= 1.0x ORT (time <= 1.0x)"; bound = 1.0; }
                case "resnet18:1" -> { what = "ResNet-18 batch 1 latency <= 1.1x ORT"; bound = 1.1; }
                case "resnet56:1" -> { what = "CIFAR ResNet-56 batch 1 latency <= 1.5x ORT"; bound = 1.5; }
                case "resnet56:64" -> { what = "CIFAR ResNet-56 batch 64 <= 1.1x ORT"; bound = 1.1; }
                default -> { what = r.model() + " batch " + r.batch() + " (reported)"; bound = Double.NaN; }
            }
            String met = Double.isNaN(bound) ? "-" : r.ratio() <= bound ? "yes"
                    : String.format("no, by %.0f%%", 100 * (r.ratio() / bound - 1));
            sb.append(String.format("| %s | %.2fx | %s |%n", what, r.ratio(), met));
        }
        if (!Double.isNaN(speedup)) {
            sb.append(String.format("| cpu >= 20x reference on ResNet-50 | %.0fx | %s |%n", speedup, speedup >= 20 ? "yes" : "no"));
        }
        double worst = Double.POSITIVE_INFINITY, best = 0;
        int below = 0, convs = 0;
        for (String line : oneThreadProfile.split("\n")) {
            String[] cells = line.split("\\|");
            if (cells.length < 10 || !cells[3].strip().startsWith("conv")) continue;
            double pct = Double.parseDouble(cells[8].strip().replace("%", ""));
            worst = Math.min(worst, pct);
            best = Math.max(best, pct);
            convs++;
            if (pct < 80) below++;
        }
        sb.append(String.format("| every ResNet-50 conv on one thread >= 80%% of the FMA peak (%.0f GFLOP/s) | %.0f-%.0f%%, "
                + "%d of %d convs below 80%% | %s |%n%n", peak[0], worst, best, below, convs, below == 0 ? "yes" : "no"));
        return sb.toString();
    }

    /** {reference ms for one run, cpu median ms} on the same ResNet-50 input. */
    private static double[] referenceRatio(int threads) {
        ResNet net = BenchModels.model("resnet50");
        Shape in = BenchModels.input(net, 1);
        Tensor x = Tensor.uniform(in, -1f, 1f, 3);
        long t0 = System.nanoTime();
        try (CompiledModel e = new ReferenceBackend().compile(net.plan(in))) {
            e.run(x);
        }
        double refMs = (System.nanoTime() - t0) / 1e6;
        double[] cpu = new double[11];
        try (Backend be = Backends.create("cpu", BackendOptions.threads(threads));
             CompiledModel m = be.compile(net.plan(in)); Session e = m.newSession()) {
            Tensor y = Tensor.zeros(e.model().outputShape());
            for (int i = 0; i < 3; i++) e.run(x, y);
            for (int i = 0; i < cpu.length; i++) {
                long s = System.nanoTime();
                e.run(x, y);
                cpu[i] = (System.nanoTime() - s) / 1e6;
            }
        }
        Arrays.sort(cpu);
        return new double[] {refMs, cpu[cpu.length / 2]};
    }

    /** Heap bytes all threads allocate per {@code run(input, output)} after warm-up. */
    private static double allocatedBytesInProcess(String model, int threads) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ResNet net = BenchModels.model(model);
        Shape in = BenchModels.input(net, 1);
        try (Backend be = Backends.create("cpu", BackendOptions.threads(threads));
             CompiledModel m = be.compile(net.plan(in)); Session e = m.newSession()) {
            Tensor x = Tensor.uniform(in, -1f, 1f, 3);
            Tensor y = Tensor.zeros(e.model().outputShape());
            // Warm up for 3 s, then measure windows of 50 runs until C2 has compiled every path
            // (interpreted and C1 code allocate iterators; on a slow machine ResNet-50 gets only ~36
            // runs in 3 s): the steady state is the smallest of up to 5 windows.
            for (long end = System.nanoTime() + 3_000_000_000L; System.nanoTime() < end; ) e.run(x, y);
            int runs = 50;
            double best = Double.POSITIVE_INFINITY;
            for (int window = 0; window < 5 && best > 0; window++) {
                long before = mx.getTotalThreadAllocatedBytes();
                for (int i = 0; i < runs; i++) e.run(x, y);
                best = Math.min(best, (mx.getTotalThreadAllocatedBytes() - before) / (double) runs);
            }
            return best;
        }
    }

    /** Bytes allocated per {@code run} in steady state, from JMH's GC profiler. */
    private static double allocatedBytesPerRun(String model, int threads) throws Exception {
        Collection<RunResult> r = new Runner(new OptionsBuilder()
                .include(NetworkBenchmark.class.getName() + ".run")
                .param("model", model).param("batch", "1").param("backend", "cpu").param("threads", Integer.toString(threads))
                .addProfiler(GCProfiler.class).mode(Mode.AverageTime)
                .forks(1).warmupIterations(2).warmupTime(TimeValue.seconds(2))
                .measurementIterations(3).measurementTime(TimeValue.seconds(2)).build()).run();
        return r.iterator().next().getSecondaryResults().get("gc.alloc.rate.norm").getScore();
    }

    private static double peakGflops(int threads) throws Exception {
        String method = threads == 1 ? "fmaOneThread" : "fmaTwoThreads";
        Collection<RunResult> r = new Runner(new OptionsBuilder()
                .include(PeakFmaBenchmark.class.getName() + "." + method)
                .forks(1).warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend("--add-modules", "jdk.incubator.vector").build()).run();
        // Score is vector FMAs per microsecond: 2 FLOPs per lane each.
        return r.iterator().next().getPrimaryResult().getScore() * 2 * PeakFmaBenchmark.S.length() / 1000;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(System.getProperty("os.arch"));
        } catch (java.io.IOException e) {
            return System.getProperty("os.arch");
        }
    }
}
