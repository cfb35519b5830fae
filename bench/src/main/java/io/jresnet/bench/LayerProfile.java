package io.jresnet.bench;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.ResNet;
import io.jresnet.plan.PlanOp;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Tensor;
import io.jresnet.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the time goes, per layer: runs a model with {@link io.jresnet.backend.Session#runProfiled} and prints each
 * op's median time, its GFLOP/s and its share of the total, then the totals per op kind, as a
 * Markdown table.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * io.jresnet.bench.LayerProfile [model] [backend] [batch] [threads] [runs]}.
 */
public final class LayerProfile {
    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "resnet50";
        String backendName = args.length > 1 ? args[1] : "cpu";
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        int runs = args.length > 4 ? Integer.parseInt(args[4]) : 30;
        System.out.print(profile(model, backendName, batch, threads, runs));
    }

    static String profile(String model, String backendName, int batch, int threads, int runs) {
        return profile(model, backendName, batch, threads, runs, Double.NaN);
    }

    /**
     * One op's time in a profiled run.
     *
     * @param op the plan op
     * @param kind {@link #kindOf}
     * @param output its output shape
     * @param macs its multiply-accumulates
     * @param ms the median of its times
     */
    record OpTime(PlanOp op, String kind, Shape output, long macs, double ms) {}

    /** Each op's median time over {@code runs} profiled runs, after at least 3 s and 20 runs of warm-up. */
    static List<OpTime> opTimes(String model, Backend backend, int batch, int runs) {
        ResNet net = BenchModels.model(model);
        Plan plan = net.plan(BenchModels.input(net, batch));
        try (CompiledModel compiled = backend.compile(plan); Session exe = compiled.newSession()) {
            if (!exe.supportsProfiling()) return null;
            Tensor x = Tensor.uniform(plan.inputShape(), -1f, 1f, 1);
            Tensor y = Tensor.zeros(exe.model().outputShape());
            int n = plan.ops().size();
            long[][] samples = new long[n][runs];
            long[] once = new long[n];
            // Warm-up: JIT and caches. At least 3 s and 20 runs: C2 compiles a kernel only after
            // hundreds of invocations, and a few runs leave some in C1 code.
            long end = System.nanoTime() + 3_000_000_000L;
            for (int i = 0; i < 20 || System.nanoTime() < end; i++) exe.run(x, y);
            for (int r = 0; r < runs; r++) {
                Arrays.fill(once, 0);
                exe.runProfiled(x, y, once);
                for (int i = 0; i < n; i++) samples[i][r] = once[i];
            }
            List<OpTime> times = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Arrays.sort(samples[i]);
                PlanOp op = plan.ops().get(i);
                times.add(new OpTime(op, kindOf(op), plan.shape(op.output()), plan.macs(op), samples[i][runs / 2] / 1e6));
            }
            return times;
        }
    }

    /** With a "% of peak" column when {@code peakGflops} is a number: the FMA peak of {@code threads} threads. */
    static String profile(String model, String backendName, int batch, int threads, int runs, double peakGflops) {
        boolean withPeak = !Double.isNaN(peakGflops);
        try (Backend backend = Backends.create(backendName, BackendOptions.threads(threads))) {
            List<OpTime> times = opTimes(model, backend, batch, runs);
            if (times == null) return backendName + " does not time single ops\n";
            double total = times.stream().mapToDouble(OpTime::ms).sum();
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("%s, batch %d, backend %s on %s; medians of %d runs; sum of op medians %.2f ms%n%n",
                    model, batch, backend.name(), backend.device(), runs, total));
            sb.append(withPeak ? "| # | op | kind | output | MMACs | ms | GFLOP/s | % of peak | share |\n"
                    + "| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
                    : "| # | op | kind | output | MMACs | ms | GFLOP/s | share |\n| ---: | --- | --- | --- | ---: | ---: | ---: | ---: |\n");
            Map<String, double[]> perKind = new LinkedHashMap<>();
            for (int i = 0; i < times.size(); i++) {
                OpTime t = times.get(i);
                perKind.computeIfAbsent(t.kind(), k -> new double[2]);
                perKind.get(t.kind())[0] += t.ms();
                perKind.get(t.kind())[1] += t.macs();
                double gflops = t.ms() > 0 ? 2.0 * t.macs() / (t.ms() * 1e6) : 0;
                String peak = withPeak ? (t.macs() > 0 ? String.format(" %.0f%% |", 100 * gflops / peakGflops) : " |") : "";
                sb.append(String.format("| %d | %s | %s | %s | %.1f | %.3f | %.1f |%s %.1f%% |%n", i, t.op().name(), t.kind(),
                        t.output(), t.macs() / 1e6, t.ms(), gflops, peak, 100 * t.ms() / total));
            }
            sb.append(withPeak ? "\n| kind | ms | GFLOP/s | % of peak | share |\n| --- | ---: | ---: | ---: | ---: |\n"
                    : "\n| kind | ms | GFLOP/s | share |\n| --- | ---: | ---: | ---: |\n");
            for (var e : perKind.entrySet()) {
                double[] v = e.getValue();
                double gflops = v[0] > 0 ? 2.0 * v[1] / (v[0] * 1e6) : 0;
                String peak = withPeak ? (v[1] > 0 ? String.format(" %.0f%% |", 100 * gflops / peakGflops) : " |") : "";
                sb.append(String.format("| %s | %.2f | %.1f |%s %.1f%% |%n", e.getKey(), v[0], gflops, peak, 100 * v[0] / total));
            }
            return sb.toString();
        }
    }

    /** "conv3x3 s2", "conv1x1", "maxpool", ... */
    static String kindOf(PlanOp op) {
        if (op instanceof PlanOp.Conv c) {
            return "conv" + c.kernelH() + "x" + c.kernelW() + (c.strideH() > 1 ? " s" + c.strideH() : "");
        }
        return op.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }
}
