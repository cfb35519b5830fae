package io.jresnet.cpu;

import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.Plan;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.Arrays;

/**
 * A quick timing harness (not a test; the JMH module is the real benchmark): median times of
 * ResNet-50 batch 1 on 1 and 2 threads, one reference run for the speed-up, and single-thread
 * GFLOP/s of big conv shapes. Results are validated against the reference before being timed.
 * Run: {@code java --add-modules jdk.incubator.vector -cp ... io.jresnet.cpu.CpuTimings [runs]}.
 */
public final class CpuTimings {
    private CpuTimings() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        double[] peak = new double[7];
        for (int i = 0; i < peak.length; i++) peak[i] = FmaPeak.gflops(20_000_000);
        Arrays.sort(peak);
        System.out.printf("FMA peak, 1 thread, 12 accumulators: median %.0f GFLOP/s (min %.0f, max %.0f)%n", peak[3],
                peak[0], peak[6]);
        if (args.length > 1 && args[1].equals("peak")) return;
        if (args.length > 1 && args[1].equals("grouped")) {
            groupedShapes(runs);
            return;
        }
        gemmShapes(runs);
        if (args.length > 1 && args[1].equals("gemm")) return;
        convShapes(runs);
        if (args.length > 1 && args[1].equals("convs")) return;
        ResNet net = new ResNet(ResNetSpec.named("resnet50"));
        Initializers.kaiming(net, 1, false);
        Initializers.randomBatchNormStatistics(net, 2);
        Shape in = Shape.nchw(1, 3, 224, 224);
        Plan plan = net.plan(in);
        Tensor x = Tensor.uniform(in, -1, 1, 3);
        double gmacs = plan.macs() / 1e9;
        Tensor expected;
        long t0 = System.nanoTime();
        if (args.length > 1 && args[1].equals("noref")) {
            // Validate against the scalar twin instead: much faster than the double-precision reference.
            try (CpuBackend scalar = new CpuBackend(new BackendOptions(2, java.util.Map.of("vectorBits", "0")));
                 CompiledModel m = scalar.compile(plan); Session e = m.newSession()) {
                expected = e.run(x);
            }
        } else {
            try (ReferenceBackend ref = new ReferenceBackend(); CompiledModel m = ref.compile(plan); Session e = m.newSession()) {
                expected = e.run(x);
            }
        }
        double refMs = (System.nanoTime() - t0) / 1e6;
        System.out.printf("resnet50 b1 %s: %.0f ms (one run)%n", args.length > 1 ? "scalar path" : "reference", refMs);
        for (int threads : new int[] {2, 1}) {
            try (CpuBackend cpu = new CpuBackend(BackendOptions.threads(threads)); CompiledModel m = cpu.compile(plan); Session e = m.newSession()) {
                Tensor out = Tensor.zeros(e.model().outputShape());
                e.run(x, out);
                Compare.assertClose(expected, out, 1e-3, 1e-3, "resnet50");
                double[] ms = time(e, x, out, runs);
                System.out.printf("resnet50 b1 %s: median %.1f ms (min %.1f, max %.1f) = %.0f GFLOP/s, %.0fx reference%n",
                        cpu.device(), ms[ms.length / 2], ms[0], ms[ms.length - 1], 2 * gmacs / ms[ms.length / 2] * 1e3,
                        refMs / ms[ms.length / 2]);
                if (threads == 2) profile(e, plan, x, out);
            }
        }
    }

    private static double[] time(Session e, Tensor x, Tensor out, int runs) {
        for (int i = 0; i < 5; i++) e.run(x, out);
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            e.run(x, out);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    /** Time by op kind and conv kernel size, to see where the time goes. */
    private static void profile(Session e, Plan plan, Tensor x, Tensor out) {
        long[] ns = new long[plan.ops().size()];
        for (int i = 0; i < 5; i++) e.runProfiled(x, out, ns);
        java.util.Map<String, double[]> byKind = new java.util.TreeMap<>();
        for (int i = 0; i < ns.length; i++) {
            var op = plan.ops().get(i);
            String kind = op.getClass().getSimpleName();
            if (op instanceof io.jresnet.plan.PlanOp.Conv c) kind += " " + c.kernelH() + "x" + c.kernelW() + " s" + c.strideH();
            double[] acc = byKind.computeIfAbsent(kind, k -> new double[2]);
            acc[0] += ns[i] / 5e6;
            acc[1] += plan.macs(op);
        }
        byKind.forEach((k, v) -> System.out.printf("  %-14s %7.2f ms  %6.1f GFLOP/s%n", k, v[0], 2 * v[1] / v[0] / 1e6));
    }

    /** {@link VectorGemm} on one thread: a square shape and a ResNet conv shape, checked against the reference once. */
    private static void gemmShapes(int runs) {
        int[][] shapes = {{512, 512, 512}, {256, 3136, 576}, {3136, 256, 576}};
        try (WorkerPool pool = new WorkerPool(1)) {
            VectorGemm gemm = new VectorGemm(pool);
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = Tensor.uniform(Shape.of(m, k), -1, 1, 1).array(), b = Tensor.uniform(Shape.of(k, n), -1, 1, 2).array();
                float[] c = new float[m * n], ref = new float[m * n];
                gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                io.jresnet.reference.ReferenceGemm.INSTANCE.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, ref, 0, n);
                for (int i = 0; i < c.length; i++) {
                    if (Math.abs(c[i] - ref[i]) > 1e-3 * Math.sqrt(k)) throw new AssertionError("gemm mismatch at " + i);
                }
                double[] ms = new double[runs * 2];
                for (int i = 0; i < 5; i++) gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                for (int i = 0; i < ms.length; i++) {
                    long t = System.nanoTime();
                    gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                    ms[i] = (System.nanoTime() - t) / 1e6;
                }
                Arrays.sort(ms);
                System.out.printf("sgemm %dx%dx%d, 1 thread: median %.3f ms = %.0f GFLOP/s%n", m, n, k, ms[ms.length / 2],
                        2.0 * m * n * k / ms[ms.length / 2] / 1e6);
            }
        }
    }

    private static void convShapes(int runs) {
        // c, k, input hw, kernel, stride: every distinct conv shape of ResNet-50 (torchvision v1.5).
        int[][] shapes = {{3, 64, 224, 7, 2},
                {64, 64, 56, 1, 1}, {64, 64, 56, 3, 1}, {64, 256, 56, 1, 1}, {256, 64, 56, 1, 1},
                {256, 128, 56, 1, 1}, {128, 128, 56, 3, 2}, {128, 512, 28, 1, 1}, {256, 512, 56, 1, 2},
                {512, 128, 28, 1, 1}, {128, 128, 28, 3, 1},
                {512, 256, 28, 1, 1}, {256, 256, 28, 3, 2}, {256, 1024, 14, 1, 1}, {512, 1024, 28, 1, 2},
                {1024, 256, 14, 1, 1}, {256, 256, 14, 3, 1},
                {1024, 512, 14, 1, 1}, {512, 512, 14, 3, 2}, {512, 2048, 7, 1, 1}, {1024, 2048, 14, 1, 2},
                {2048, 512, 7, 1, 1}, {512, 512, 7, 3, 1}};
        // The conv kernel alone on blocked buffers: an executable's run would add the scalar layout
        // conversions of its plain input and output, which outweigh a small layer.
        VectorKernels kernels = new VectorKernels();
        int lanes = kernels.lanes();
        for (int[] s : shapes) {
            ConvCase cc = ConvCase.of(1, s[0], s[1], s[2], s[3], s[4], 1, lanes);
            double med = medianMs(runs * 3, 5, cc.on(kernels));
            System.out.printf("conv c%d k%d %dx%d %dx%d s%d, 1 thread: median %.3f ms = %.0f GFLOP/s%n", s[0], s[1], s[2],
                    s[2], s[3], s[3], s[4], med, 2.0 * cc.plan().macs() / med / 1e6);
        }
    }

    /**
     * ResNeXt-50's grouped 3x3 layers (32 groups), one thread, kernel alone: GFLOP/s of the real
     * multiply-adds (C / G per output) and of the ones the block-diagonal panels compute.
     */
    private static void groupedShapes(int runs) {
        int[][] shapes = {{128, 56, 1}, {256, 56, 2}, {256, 28, 1}, {512, 28, 2}, {512, 14, 1}, {1024, 14, 2},
                {1024, 7, 1}};
        VectorKernels kernels = new VectorKernels();
        int lanes = kernels.lanes();
        for (int[] s : shapes) {
            int c = s[0], groups = 32;
            ConvCase cc = ConvCase.of(1, c, c, s[1], 3, s[2], groups, lanes);
            Plan plan = cc.plan();
            io.jresnet.plan.PlanOp.Conv conv = cc.op();
            ConvPlan p = cc.conv();
            double med = medianMs(runs * 3, 20, cc.on(kernels));
            long computed = 0;
            for (int g = 0; g < p.groups; g++) {
                computed += (long) p.tileWidth() * (p.depthOf(p.tileSegmentTo[g]) - p.depthOf(p.tileSegmentFrom[g]));
            }
            computed *= p.out.spatial();
            System.out.printf("grouped conv c%d g%d %dx%d s%d, 1 thread, implicit GEMM: median %.3f ms = %.0f GFLOP/s real,"
                    + " %.0f computed%n", c, groups, s[1], s[1], s[2], med, 2.0 * plan.macs() / med / 1e6,
                    2.0 * computed / med / 1e6);
            if (GroupedConvPlan.applies(conv, lanes)) {
                GroupedConvPlan gp = GroupedConvPlan.create(conv, plan.inputShape(), plan.outputShape(), lanes, 1);
                med = medianMs(runs * 3, 20, () -> kernels.groupedConv(gp, cc.in(), cc.out(), null, cc.zero(), 0, gp.items()));
                System.out.printf("grouped conv c%d g%d %dx%d s%d, 1 thread, lane groups: median %.3f ms = %.0f GFLOP/s%n",
                        c, groups, s[1], s[1], s[2], med, 2.0 * plan.macs() / med / 1e6);
            }
        }
    }

    /** Median of {@code count} timed calls after {@code warmups} untimed ones, in milliseconds. */
    private static double medianMs(int count, int warmups, Runnable call) {
        for (int i = 0; i < warmups; i++) call.run();
        double[] ms = new double[count];
        for (int i = 0; i < count; i++) {
            long t = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms[count / 2];
    }
}
