package io.jresnet.cpu;

import io.jresnet.backend.TrainingKernels.ConvGeometry;
import io.jresnet.reference.ReferenceTrainingKernels;
import java.util.Arrays;
import java.util.Random;

/**
 * Training's 3x3 stride-1 convolutions at ResNet-20's shapes (batch 128, two threads): forward, weight
 * gradient and input gradient on {@link BorderedPlaneConv} against im2col + GEMM, alternating in one
 * JVM. Prints each pass's median per-round time ratio (bordered / GEMM).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp core/target/classes:backend-cpu/target/classes:backend-cpu/target/test-classes \
 *     io.jresnet.cpu.TrainingConvAB [rounds=7]
 * </pre>
 */
public final class TrainingConvAB {
    private TrainingConvAB() {}

    private static float[] uniform(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.nextFloat() - 0.5f;
        return a;
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7, n = 128;
        int[][] shapes = {{16, 28, 16}, {32, 14, 32}, {64, 7, 64}, {1, 28, 16}}; // c, side, k
        try (WorkerPool pool = new WorkerPool(2)) {
            VectorGemm gemm = new VectorGemm(pool);
            ReferenceTrainingKernels gemmConv = new ReferenceTrainingKernels(gemm);
            BorderedPlaneConv bordered = new BorderedPlaneConv(gemm);
            for (int[] s : shapes) {
                ConvGeometry g = new ConvGeometry(n, s[0], s[1], s[1], s[2], 3, 1, 1);
                float[] x = uniform(n * s[0] * s[1] * s[1], 1), w = uniform(s[2] * s[0] * 9, 2);
                float[] y = new float[n * s[2] * s[1] * s[1]], dy = uniform(y.length, 3);
                float[] dx = new float[x.length], dw = new float[w.length];
                double[][] ratio = new double[3][rounds];
                for (int r = -2; r < rounds; r++) { // two rounds of warm-up
                    long t0 = System.nanoTime();
                    gemmConv.conv(g, x, 0, w, null, y);
                    long t1 = System.nanoTime();
                    bordered.forward(g, x, 0, w, null, y);
                    long t2 = System.nanoTime();
                    gemmConv.convBackward(g, x, 0, w, dy, null, dw, null);
                    long t3 = System.nanoTime();
                    bordered.backward(g, x, 0, w, dy, null, dw, null);
                    long t4 = System.nanoTime();
                    gemmConv.convBackward(g, x, 0, w, dy, dx, null, null);
                    long t5 = System.nanoTime();
                    bordered.backward(g, x, 0, w, dy, dx, null, null);
                    long t6 = System.nanoTime();
                    if (r < 0) continue;
                    ratio[0][r] = (double) (t2 - t1) / (t1 - t0);
                    ratio[1][r] = (double) (t4 - t3) / (t3 - t2);
                    ratio[2][r] = (double) (t6 - t5) / (t5 - t4);
                }
                for (double[] a : ratio) Arrays.sort(a);
                System.out.printf("c%d %dx%d k%d, bordered / GEMM: forward %.2f, weight gradient %.2f, input gradient %.2f%n",
                        s[0], s[1], s[1], s[2], ratio[0][rounds / 2], ratio[1][rounds / 2], ratio[2][rounds / 2]);
            }
        }
    }
}
