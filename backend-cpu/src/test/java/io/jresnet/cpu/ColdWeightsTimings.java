package io.jresnet.cpu;

import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.Arrays;

/**
 * A timing harness (not a test): single-convolution models of ResNet-50's later shapes at batch 1,
 * each timed with its weights in cache (the run before used them) and with them evicted (a 256 MB
 * sweep between runs, then the input read back in), the two alternating round by round. In a whole
 * network the weights are always the cold case: ResNet-50 cycles about 100 MB of them per run, so a
 * layer's weights come from memory every time while its input was just written by the layer before.
 *
 * <p>Measured 2026-12-02 (the Xeon of docs/PERFORMANCE.md, AVX-512, 21 rounds, medians, in a slow
 * phase of the host): evicted / in cache 1.05-1.21 on 2 threads and 1.06-1.17 on one, the 1x1 layers
 * of 1-4 MB at the top of that range. So streaming the weights explains part of why the 14x14 and 7x7
 * stages trail ONNX Runtime more than the 56x56 one (1.3-1.7x against at most 1.16x), not most of it.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp core/target/classes:backend-cpu/target/classes:backend-cpu/target/test-classes \
 *     io.jresnet.cpu.ColdWeightsTimings [rounds=21] [threads=2]
 * </pre>
 */
public final class ColdWeightsTimings {
    private static final float[] EVICT = new float[64 << 20];
    private static float sink;

    private ColdWeightsTimings() {}

    /** Writes a line of every 64 bytes of 256 MB, evicting the caches (L3 included on the machines measured). */
    private static void evict() {
        for (int i = 0; i < EVICT.length; i += 16) EVICT[i] += 1f;
    }

    public static void main(String[] args) throws InterruptedException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        // c, k, input side, kernel, stride
        int[][] shapes = {{64, 256, 56, 1, 1}, {1024, 256, 14, 1, 1}, {256, 1024, 14, 1, 1}, {256, 256, 14, 3, 1},
                {2048, 512, 7, 1, 1}, {512, 2048, 7, 1, 1}, {512, 512, 7, 3, 1}};
        try (CpuBackend cpu = new CpuBackend(BackendOptions.threads(threads))) {
            for (int[] s : shapes) {
                GraphBuilder gb = new GraphBuilder();
                Shape inShape = Shape.nchw(1, s[0], s[2], s[2]);
                int pad = s[3] / 2;
                int y = gb.conv("conv", gb.input(inShape), Tensor.normal(Shape.nchw(s[1], s[0], s[3], s[3]), 0.05f, 5),
                        null, 1, s[4], s[4], pad, pad, pad, pad);
                Plan plan = Planner.plan(gb.build(y));
                try (CompiledModel m = cpu.compile(plan); Session session = m.newSession()) {
                    Tensor in = Tensor.uniform(inShape, -1, 1, 3), out = Tensor.zeros(m.outputShape());
                    double[] warm = new double[rounds], cold = new double[rounds];
                    long[] nanos = new long[plan.ops().size()];
                    for (int r = -5; r < rounds; r++) {
                        Arrays.fill(nanos, 0);
                        session.runProfiled(in, out, nanos);
                        if (r >= 0) warm[r] = nanos[0] / 1e6;
                        evict();
                        float[] x = in.array();
                        for (int i = 0; i < x.length; i += 16) sink += x[i];
                        Thread.sleep(20);
                        Arrays.fill(nanos, 0);
                        session.runProfiled(in, out, nanos);
                        if (r >= 0) cold[r] = nanos[0] / 1e6;
                    }
                    Arrays.sort(warm);
                    Arrays.sort(cold);
                    long weightBytes = 4L * s[0] * s[1] * s[3] * s[3];
                    System.out.printf("conv c%d k%d %dx%d %dx%d s%d (%.2f MB of weights), %d threads: weights in cache"
                            + " %.3f ms, evicted %.3f ms (%.2fx)%n", s[0], s[1], s[2], s[2], s[3], s[3], s[4],
                            weightBytes / 1e6, threads, warm[rounds / 2], cold[rounds / 2], cold[rounds / 2] / warm[rounds / 2]);
                }
            }
        }
        if (sink == 42f) System.out.print("");
    }
}
