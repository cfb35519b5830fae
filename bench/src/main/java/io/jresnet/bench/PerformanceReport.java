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
        doc.append(targets(results, peak, speedup));
        doc.append("## Where the time goes (ResNet-50, batch 1, cpu, ").append(threads).append(" threads)\n\n");
        String profile = LayerProfile.profile("resnet50", "cpu", 1, threads, 20);
        int kinds = profile.lastIndexOf("\n| kind |");
        doc.append("Per op kind (sum of per-op medians; each op timed with the pool synchronised after it):\n")
                .append(profile.substring(kinds)).append("\n<details><summary>Every op</summary>\n\n")
                .append(profile, 0, kinds).append("\n</details>\n");
        Files.writeString(out.resolve("PERFORMANCE.md"), doc.toString());
        System.out.print(doc);
    }

    /** The targets against this run's numbers, and what limits the ones not met. */
    private static String targets(List<OnnxRuntimeSideBySide.Result> results, double[] peak, double speedup) {
        StringBuilder sb = new StringBuilder("## Targets\n\n| target | measured | met |\n| --- | --- | --- |\n");
        for (OnnxRuntimeSideBySide.Result r : results) {
            if (!r.model().equals("resnet50")) continue;
            if (r.batch() == 1) {
                sb.append(String.format("| ResNet-50 batch 1 latency <= 1.3x ORT | %.2fx | %s |%n", r.ratio(),
                        r.ratio() <= 1.3 ? "yes" : "no, by " + String.format("%.0f%%", 100 * (r.ratio() / 1.3 - 1))));
            } else {
                double throughput = 1 / r.ratio();
                sb.append(String.format("| ResNet-50 batch %d throughput >= 0.8x ORT | %.2fx | %s |%n", r.batch(),
                        throughput, throughput >= 0.8 ? "yes" : "no"));
            }
        }
        if (!Double.isNaN(speedup)) {
            sb.append(String.format("| cpu >= 20x reference on ResNet-50 | %.0fx | %s |%n", speedup, speedup >= 20 ? "yes" : "no"));
        }
        sb.append(String.format("| big conv shapes >= 80%% of the FMA peak on one thread (%.0f GFLOP/s here) | see "
                + "below: 3x3 54-82%%, 1x1 37-81%% (run of 2026-11-28 16:55, peak 90) | partly |%n%n", peak[0]));
        sb.append("""
                What limits it (see the per-layer table below): every conv runs as an implicit GEMM on one
                register-blocked micro-kernel (6 pixels x 16 output channels, 12 accumulators of 8 lanes, AVX2).
                The kernel alone reaches 85-90% of peak on long depth runs, but the 1x1 convs (about 45% of
                ResNet-50's time) pay for packing their activations on every call, and two threads reach only
                about half of two cores' peak on the 3x3 layers, where the hand-off between ops is a barrier.
                ONNX Runtime runs hand-written x86 kernels on NCHWc blocked layouts with the same fusions
                (shared/FACTS.md). Next levers, in order: reuse packed activations between the 1x1 convs of a
                block, Winograd F(4x4,3x3) for the stride-1 3x3 convs (about 45% of the MACs), and fewer
                barriers by running independent row tiles of consecutive ops on the same thread.

                In the side-by-side, runs alternate, and both runtimes' worker threads spin for a while after a
                run before parking, so each slows the other's next run a little; the cpu-alone median above is the
                figure without ORT beside it. Per-shape efficiency on one thread comes from
                `backend-cpu/src/test/java/io/jresnet/cpu/CpuTimings.java` (kernel alone, each shape validated
                against the reference first).

                """);
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
