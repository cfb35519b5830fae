package io.jresnet.cpu;

import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.PlanOp;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * A timing harness (not a test) for {@link ConvAlgorithm#WINOGRAD_4X4}: the 3x3 stride-1 shapes of
 * ResNet-50 and the CIFAR ResNets on one thread, direct convolution against Winograd in alternating
 * runs of the same JVM, as median ms and "effective" GFLOP/s (2 x the direct convolution's MACs per
 * second), with the FMA peak measured in the same run. Each shape is first checked against the
 * reference (max |error| of both algorithms, also relative to the largest output).
 *
 * <p>Run (after {@code mvn -o -q -pl core,backend-cpu test-compile}): {@code java --add-modules
 * jdk.incubator.vector -cp backend-cpu/target/classes:backend-cpu/target/test-classes:core/target/classes
 * io.jresnet.cpu.WinogradTimings [runs [batch [sweep|nets]]]}; {@code sweep} also times other depth chunks and
 * column blocks of {@link WinogradPlan}; {@code -Dshapes=64/64/56,512/512/7} picks shapes (c/k/side);
 * {@code nets} times whole networks instead (sessions with {@code winograd=true} against {@code false}).
 */
public final class WinogradTimings {
    private WinogradTimings() {}

    /**
     * c, k, image side: ResNet-50's 3x3 stride-1 layers, CIFAR ResNet's (stem included), then small
     * extremes.
     */
    private static final int[][] SHAPES = {{64, 64, 56}, {128, 128, 28}, {256, 256, 14}, {512, 512, 7},
            {3, 16, 32}, {16, 16, 32}, {32, 32, 16}, {64, 64, 8},
            {3, 64, 56}, {8, 16, 32}, {8, 64, 56}, {16, 16, 8}, {64, 64, 4}, {64, 64, 2}, {64, 64, 1}, {256, 256, 4}, {256, 256, 2},
            {512, 512, 4}, {512, 512, 2}};

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        boolean sweep = args.length > 2 && args[2].equals("sweep");
        double[] peak = new double[7];
        for (int i = 0; i < peak.length; i++) peak[i] = FmaPeak.gflops(20_000_000);
        Arrays.sort(peak);
        if (args.length > 2 && args[2].equals("nets")) {
            networks(runs, batch);
            return;
        }
        VectorKernels kernels = new VectorKernels();
        System.out.printf("%s, %s, %s, ROWS %d, FMA peak 1 thread: median %.0f GFLOP/s; batch %d, medians of %d runs%n",
                java.time.LocalDate.now(), cpuModel(), kernels.description(), kernels.panelRows(), peak[3], batch, runs);
        System.out.println("shape                      |err| direct  |err| wino (rel)     direct ms  GFLOP/s   wino ms  eff GFLOP/s  speed-up");
        String only = System.getProperty("shapes");
        for (int[] s : SHAPES) {
            if (only != null && !java.util.List.of(only.split(",")).contains(s[0] + "/" + s[1] + "/" + s[2])) continue;
            Layer layer = new Layer(s[0], s[1], s[2], batch, kernels);
            layer.measure(runs, WinogradPlan.CHUNK_CHANNELS, WinogradPlan.BLOCK_CHANNELS, peak[3], true);
            if (sweep) {
                for (int chunk : new int[] {32, 64, 128, 256}) {
                    for (int block : new int[] {32, 64, 128, 256}) layer.measure(runs, chunk, block, peak[3], false);
                }
            }
        }
    }

    /**
     * ResNet-50 (224x224) and CIFAR ResNet-56 (32x32) sessions on 1 and 2 threads, Winograd where it
     * pays against none, alternating runs; the two results are checked against each other first.
     */
    private static void networks(int runs, int batch) {
        for (String name : new String[] {"resnet50", "resnet56"}) {
            ResNet net = new ResNet(ResNetSpec.named(name));
            Initializers.kaiming(net, 1, false);
            Initializers.randomBatchNormStatistics(net, 2);
            int side = name.equals("resnet50") ? 224 : 32;
            Shape in = Shape.nchw(batch, 3, side, side);
            Plan plan = net.plan(in);
            Tensor x = Tensor.uniform(in, -1, 1, 3);
            for (int threads : new int[] {1, 2}) {
                try (CpuBackend on = new CpuBackend(new BackendOptions(threads, Map.of("winograd", "true")));
                     CpuBackend off = new CpuBackend(new BackendOptions(threads, Map.of("winograd", "false")));
                     CompiledModel mOn = on.compile(plan); CompiledModel mOff = off.compile(plan);
                     Session sOn = mOn.newSession(); Session sOff = mOff.newSession()) {
                    long chosen = ((CpuCompiledModel) mOn).convAlgorithms().values().stream()
                            .filter(a -> a == ConvAlgorithm.WINOGRAD_4X4).count();
                    Tensor yOn = Tensor.zeros(mOn.outputShape()), yOff = Tensor.zeros(mOff.outputShape());
                    sOn.run(x, yOn);
                    sOff.run(x, yOff);
                    new io.jresnet.testing.Tolerance(1e-3, 1e-3).relativeTo(yOff).assertClose(yOff, yOn, name);
                    for (long end = System.nanoTime() + 3_000_000_000L; System.nanoTime() < end; ) {
                        sOn.run(x, yOn);
                        sOff.run(x, yOff);
                    }
                    double[] msOn = new double[runs], msOff = new double[runs];
                    for (int i = 0; i < runs; i++) {
                        msOff[i] = Layer.time(() -> sOff.run(x, yOff));
                        msOn[i] = Layer.time(() -> sOn.run(x, yOn));
                    }
                    Arrays.sort(msOn);
                    Arrays.sort(msOff);
                    double diff = io.jresnet.testing.Tolerance.maxAbsDiff(yOn, yOff);
                    System.out.printf("%s b%d, %d thread(s), %d convs on Winograd: direct %.2f ms, Winograd where it "
                                    + "pays %.2f ms, %.2fx (max |diff| %.2e, largest logit %.3g)%n", name, batch, threads,
                            chosen, msOff[runs / 2], msOn[runs / 2], msOff[runs / 2] / msOn[runs / 2], diff,
                            io.jresnet.testing.Tolerance.maxAbs(yOff));
                }
            }
        }
    }

    /** The "model name" of /proc/cpuinfo, or the architecture where there is none. */
    private static String cpuModel() {
        try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse(System.getProperty("os.arch"));
        } catch (java.io.IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }

    /** One conv layer on blocked buffers: the kernels alone, without the plain-layout conversions of a run. */
    private static final class Layer {
        final int c, k, hw, batch;
        final VectorKernels kernels;
        final PlanOp.Conv conv;
        final Plan plan;
        final Shape inShape;
        final ConvPlan direct;
        final float[] x;
        final int zero;
        final Tensor expected;

        Layer(int c, int k, int hw, int batch, VectorKernels kernels) {
            this.c = c;
            this.k = k;
            this.hw = hw;
            this.batch = batch;
            this.kernels = kernels;
            GraphBuilder gb = new GraphBuilder();
            inShape = Shape.nchw(batch, c, hw, hw);
            int xv = gb.input(inShape);
            Tensor w = Tensor.normal(Shape.nchw(k, c, 3, 3), (float) Math.sqrt(2.0 / (9 * c)), 5);
            int y = gb.conv("conv", xv, w, Tensor.uniform(Shape.of(k), -0.5f, 0.5f, 6), 1, 1, 1, 1, 1, 1);
            plan = Planner.plan(gb.build(y));
            conv = (PlanOp.Conv) plan.ops().get(0);
            int lanes = kernels.lanes();
            direct = ConvPlan.create(conv, inShape, plan.outputShape(), lanes, 1);
            Tensor input = Tensor.uniform(inShape, -1, 1, 7);
            x = new float[Math.toIntExact(direct.in.floats() + lanes)];
            zero = x.length - lanes;
            kernels.toBlocked(input.array(), 0, direct.in, x, 0, batch * direct.in.blocks());
            try (ReferenceBackend ref = new ReferenceBackend(); CompiledModel m = ref.compile(plan); Session e = m.newSession()) {
                expected = e.run(input);
            }
        }

        void measure(int runs, int chunk, int block, double peak, boolean header) {
            WinogradPlan wino = WinogradPlan.create(conv, inShape, plan.outputShape(), kernels.lanes(), kernels.panelRows(),
                    1, chunk, block);
            float[] yd = new float[Math.toIntExact(direct.out.floats())], yw = new float[yd.length];
            Runnable d = () -> kernels.conv(direct, x, yd, null, zero, 0, direct.items());
            Runnable w = () -> kernels.winogradConv(wino, x, yw, null, zero, 0, wino.items());
            d.run();
            w.run();
            double maxOut = io.jresnet.testing.Tolerance.maxAbs(expected);
            double errD = maxError(yd), errW = maxError(yw);
            // Validate before timing: Winograd within the conformance tolerance relative to the output scale.
            if (!(errW <= 1e-4 * Math.max(1, maxOut) + 1e-4 * maxOut)) {
                throw new AssertionError(String.format("c%d %dx%d: Winograd error %.3g, largest output %.3g", c, hw, hw,
                        errW, maxOut));
            }
            // Warm-up by time: with 0.3 s the same layer measured anywhere from 0.7 to 7 ms over six JVMs
            // (C2 still compiling); with 1.5 s, 0.67-0.85 ms. Sweep entries reuse the compiled code.
            for (long end = System.nanoTime() + (header ? 1_500_000_000L : 300_000_000L); System.nanoTime() < end; ) {
                d.run();
                w.run();
            }
            double[] msD = new double[runs], msW = new double[runs];
            for (int i = 0; i < runs; i++) {
                msD[i] = time(d);
                msW[i] = time(w);
            }
            Arrays.sort(msD);
            Arrays.sort(msW);
            double md = msD[runs / 2], mw = msW[runs / 2], flop = 2.0 * direct.macs();
            String name = String.format("c%d k%d %dx%d", c, k, hw, hw) + (header ? "" : String.format(" chunk %d block %d", chunk, block));
            if (header) {
                System.out.printf("%-26s %10.2e %10.2e (%.1e) %10.3f %7.0f %10.3f %9.0f (%2.0f%%) %7.2fx%n", name, errD, errW,
                        errW / maxOut, md, flop / md / 1e6, mw, flop / mw / 1e6, 100 * flop / mw / 1e6 / peak, md / mw);
            } else {
                System.out.printf("  %-40s wino %8.3f ms %7.0f eff GFLOP/s, %.2fx direct%n", name, mw, flop / mw / 1e6, md / mw);
            }
        }

        private double maxError(float[] blocked) {
            float[] plain = new float[expected.size()];
            kernels.toPlain(blocked, direct.out, plain, 0, 0, batch * direct.out.blocks());
            double m = 0;
            for (int i = 0; i < plain.length; i++) m = Math.max(m, Math.abs((double) plain[i] - expected.array()[expected.offset() + i]));
            return m;
        }

        private static double time(Runnable r) {
            long t = System.nanoTime();
            r.run();
            return (System.nanoTime() - t) / 1e6;
        }
    }
}
