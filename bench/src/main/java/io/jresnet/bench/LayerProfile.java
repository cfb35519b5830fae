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
import java.util.Arrays;
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

    /** With a "% of peak" column when {@code peakGflops} is a number: the FMA peak of {@code threads} threads. */
    static String profile(String model, String backendName, int batch, int threads, int runs, double peakGflops) {
        boolean withPeak = !Double.isNaN(peakGflops);
        ResNet net = BenchModels.model(model);
        Plan plan = net.plan(BenchModels.input(net, batch));
        try (Backend backend = Backends.create(backendName, BackendOptions.threads(threads));
             CompiledModel compiled = backend.compile(plan); Session exe = compiled.newSession()) {
            if (!exe.supportsProfiling()) return backendName + " does not time single ops\n";
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
            double[] median = new double[n];
            double total = 0;
            for (int i = 0; i < n; i++) {
                Arrays.sort(samples[i]);
                median[i] = samples[i][runs / 2] / 1e6;
                total += median[i];
            }
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("%s, batch %d, backend %s on %s; medians of %d runs; sum of op medians %.2f ms%n%n",
                    model, batch, backend.name(), backend.device(), runs, total));
            sb.append(withPeak ? "| # | op | kind | output | MMACs | ms | GFLOP/s | % of peak | share |\n"
                    + "| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
                    : "| # | op | kind | output | MMACs | ms | GFLOP/s | share |\n| ---: | --- | --- | --- | ---: | ---: | ---: | ---: |\n");
            Map<String, double[]> perKind = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                PlanOp op = plan.ops().get(i);
                long macs = plan.macs(op);
                String kind = kindOf(op, plan);
                perKind.computeIfAbsent(kind, k -> new double[2]);
                perKind.get(kind)[0] += median[i];
                perKind.get(kind)[1] += macs;
                double gflops = median[i] > 0 ? 2.0 * macs / (median[i] * 1e6) : 0;
                String peak = withPeak ? (macs > 0 ? String.format(" %.0f%% |", 100 * gflops / peakGflops) : " |") : "";
                sb.append(String.format("| %d | %s | %s | %s | %.1f | %.3f | %.1f |%s %.1f%% |%n", i, op.name(), kind,
                        plan.shape(op.output()), macs / 1e6, median[i], gflops, peak, 100 * median[i] / total));
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
    private static String kindOf(PlanOp op, Plan plan) {
        if (op instanceof PlanOp.Conv c) {
            return "conv" + c.kernelH() + "x" + c.kernelW() + (c.strideH() > 1 ? " s" + c.strideH() : "");
        }
        return op.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }
}
