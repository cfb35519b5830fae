package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fully connected layer as a packed GEMM: {@code y[b, ob*L .. ob*L+L) = bias + sum_i x[b, i] *
 * Wpacked[ob, i, :]}, one vector of outputs per accumulator. Rows are taken four at a time (four
 * independent FMA chains sharing each weight load); a single row is split over four partial sums of
 * the input features instead, so batch 1 is not bound by FMA latency.
 *
 * <p>No vector crosses a method call and none lives across the two row loops (each loads the bias
 * itself): C2 keeps a vector unboxed only where it inlines every use, and whether it inlines a small
 * helper depends on the profile other shapes left behind. With a {@code store(..., FloatVector, ...)}
 * helper, a batch-2 run after batch-4 runs had shaped the profile boxed its vectors on every run
 * (80-192 bytes a run, SteadyStateAllocationTest in a random test order).
 */
final class VectorGemmKernels {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;

    private VectorGemmKernels() {}

    static void linear(LinearPlan p, float[] x, float[] y, int from, int to) {
        final int L = F.length();
        final int in = p.in, out = p.out;
        final float[] w = p.weights;
        for (int ob = from; ob < to; ob++) {
            int wb = ob * in * L;
            int b = 0;
            for (; b + 4 <= p.batch; b += 4) {
                FloatVector a0 = FloatVector.fromArray(F, p.bias, ob * L), a1 = a0, a2 = a0, a3 = a0;
                int x0 = b * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
                for (int i = 0; i < in; i++) {
                    FloatVector wv = FloatVector.fromArray(F, w, wb + i * L);
                    a0 = FloatVector.broadcast(F, x[x0 + i]).fma(wv, a0);
                    a1 = FloatVector.broadcast(F, x[x1 + i]).fma(wv, a1);
                    a2 = FloatVector.broadcast(F, x[x2 + i]).fma(wv, a2);
                    a3 = FloatVector.broadcast(F, x[x3 + i]).fma(wv, a3);
                }
                if (p.relu) {
                    a0 = a0.max(0f);
                    a1 = a1.max(0f);
                    a2 = a2.max(0f);
                    a3 = a3.max(0f);
                }
                VectorMask<Float> real = F.indexInRange(ob * L, out);
                a0.intoArray(y, b * out + ob * L, real);
                a1.intoArray(y, (b + 1) * out + ob * L, real);
                a2.intoArray(y, (b + 2) * out + ob * L, real);
                a3.intoArray(y, (b + 3) * out + ob * L, real);
            }
            for (; b < p.batch; b++) {
                FloatVector a0 = FloatVector.fromArray(F, p.bias, ob * L);
                FloatVector a1 = FloatVector.zero(F), a2 = a1, a3 = a1;
                int xb = b * in, i = 0;
                for (; i + 4 <= in; i += 4) {
                    int wi = wb + i * L;
                    a0 = FloatVector.broadcast(F, x[xb + i]).fma(FloatVector.fromArray(F, w, wi), a0);
                    a1 = FloatVector.broadcast(F, x[xb + i + 1]).fma(FloatVector.fromArray(F, w, wi + L), a1);
                    a2 = FloatVector.broadcast(F, x[xb + i + 2]).fma(FloatVector.fromArray(F, w, wi + 2 * L), a2);
                    a3 = FloatVector.broadcast(F, x[xb + i + 3]).fma(FloatVector.fromArray(F, w, wi + 3 * L), a3);
                }
                for (; i < in; i++) {
                    a0 = FloatVector.broadcast(F, x[xb + i]).fma(FloatVector.fromArray(F, w, wb + i * L), a0);
                }
                FloatVector sum = a0.add(a1).add(a2.add(a3));
                if (p.relu) sum = sum.max(0f);
                sum.intoArray(y, b * out + ob * L, F.indexInRange(ob * L, out));
            }
        }
    }
}
