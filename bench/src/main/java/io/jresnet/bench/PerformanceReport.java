package io.jresnet.bench;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.Executable;
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
 * {@code --out docs}). Options: {@code --threads N} (default 2), {@code --iterations N} (default 20),
 * {@code --cases model:batch,...}, {@code --skip-reference}.
 */
public final class PerformanceReport {
    public static void main(String[] args) throws Exception {
        int threads = 2;
        int iterations = 20;
        String cases = "resnet50:1,resnet50:8,resnet18:1,resnet56:1,resnet56:64";
        boolean reference = true;
        Path out = Path.of("docs");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--cases" -> cases = args[++i];
                case "--skip-reference" -> reference = false;
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        double[] peak = {peakGflops(1), peakGflops(2)};
        StringBuilder doc = new StringBuilder("# Performance\n\n");
        doc.append("Regenerate on an idle machine with `bench/performance-report.sh` (about 10 minutes).\n\n");
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
        doc.append("Same model and weights (jresnet exports the ONNX file ORT runs), same input, same thread count; "
                + "runs alternate one by one so both see the same machine state. ORT: CPU execution provider, all graph "
                + "optimisations, sequential execution. GFLOP/s = 2 x MACs / median time.\n\n");
        doc.append(OnnxRuntimeSideBySide.table(results, device)).append('\n');
        Files.createDirectories(out);
        LatencyChart.write(results, out.resolve("performance-latency.png"));
        doc.append("![latency per image](performance-latency.png)\n\n");

        doc.append("## Steady-state allocation\n\n");
        doc.append(String.format("JMH's GC profiler on `NetworkBenchmark` (cpu, %d threads, batch 1): ResNet-56 "
                + "allocates %.1f bytes per inference, ResNet-50 %.1f (`gc.alloc.rate.norm`; JMH's own "
                + "bookkeeping included).%n%n", threads, allocatedBytesPerRun("resnet56", threads),
                allocatedBytesPerRun("resnet50", threads)));
        if (reference) {
            doc.append("## `cpu` against `reference` (ResNet-50, batch 1)\n\n");
            doc.append(referenceRatio(threads)).append("\n\n");
        }
        doc.append("## Where the time goes (ResNet-50, batch 1, cpu, ").append(threads).append(" threads)\n\n");
        String profile = LayerProfile.profile("resnet50", "cpu", 1, threads, 20);
        int kinds = profile.lastIndexOf("\n| kind |");
        doc.append("Per op kind (sum of per-op medians; each op timed with the pool synchronised after it):\n")
                .append(profile.substring(kinds)).append("\n<details><summary>Every op</summary>\n\n")
                .append(profile, 0, kinds).append("\n</details>\n");
        Files.writeString(out.resolve("PERFORMANCE.md"), doc.toString());
        System.out.print(doc);
    }

    /** Median time of one reference run against the cpu backend's median over the same input. */
    private static String referenceRatio(int threads) {
        ResNet net = BenchModels.model("resnet50");
        Shape in = BenchModels.input(net, 1);
        Tensor x = Tensor.uniform(in, -1f, 1f, 3);
        long t0 = System.nanoTime();
        try (Executable e = new ReferenceBackend().compile(net.plan(in))) {
            e.run(x);
        }
        double refMs = (System.nanoTime() - t0) / 1e6;
        double[] cpu = new double[11];
        try (Backend be = Backends.create("cpu", BackendOptions.threads(threads));
             Executable e = be.compile(net.plan(in))) {
            Tensor y = Tensor.zeros(e.outputShape());
            for (int i = 0; i < 3; i++) e.run(x, y);
            for (int i = 0; i < cpu.length; i++) {
                long s = System.nanoTime();
                e.run(x, y);
                cpu[i] = (System.nanoTime() - s) / 1e6;
            }
        }
        Arrays.sort(cpu);
        return String.format("reference (scalar, 1 thread): %.0f ms for one run; cpu (%d threads): median %.1f ms; "
                + "speed-up %.0fx.", refMs, threads, cpu[cpu.length / 2], refMs / cpu[cpu.length / 2]);
    }

    /** Bytes allocated per {@code run} in steady state, from JMH's GC profiler. */
    private static double allocatedBytesPerRun(String model, int threads) throws Exception {
        Collection<RunResult> r = new Runner(new OptionsBuilder()
                .include(NetworkBenchmark.class.getName() + ".run")
                .param("model", model).param("batch", "1").param("backend", "cpu").param("threads", Integer.toString(threads))
                .addProfiler(GCProfiler.class)
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
        // Score is FMA lanes per microsecond: 2 FLOPs each.
        return r.iterator().next().getPrimaryResult().getScore() * 2 / 1000;
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
