package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fully connected layer as a packed GEMM: {@code y[b, ob*L .. ob*L+L) = bias + sum_i x[b, i] *
 * Wpacked[ob, i, :]}, one vector of outputs per accumulator. Rows are taken four at a time (four
 * independent FMA chains sharing each weight load); a single row is split over four partial sums of
 * the input features instead, so batch 1 is not bound by FMA latency.
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
            FloatVector bias = FloatVector.fromArray(F, p.bias, ob * L);
            VectorMask<Float> real = F.indexInRange(ob * L, out);
            int b = 0;
            for (; b + 4 <= p.batch; b += 4) {
                FloatVector a0 = bias, a1 = bias, a2 = bias, a3 = bias;
                int x0 = b * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
                for (int i = 0; i < in; i++) {
                    FloatVector wv = FloatVector.fromArray(F, w, wb + i * L);
                    a0 = FloatVector.broadcast(F, x[x0 + i]).fma(wv, a0);
                    a1 = FloatVector.broadcast(F, x[x1 + i]).fma(wv, a1);
                    a2 = FloatVector.broadcast(F, x[x2 + i]).fma(wv, a2);
                    a3 = FloatVector.broadcast(F, x[x3 + i]).fma(wv, a3);
                }
                store(y, (b) * out + ob * L, a0, p.relu, real);
                store(y, (b + 1) * out + ob * L, a1, p.relu, real);
                store(y, (b + 2) * out + ob * L, a2, p.relu, real);
                store(y, (b + 3) * out + ob * L, a3, p.relu, real);
            }
            for (; b < p.batch; b++) {
                FloatVector a0 = bias, a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
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
                store(y, b * out + ob * L, a0.add(a1).add(a2.add(a3)), p.relu, real);
            }
        }
    }

    private static void store(float[] y, int at, FloatVector v, boolean relu, VectorMask<Float> real) {
        if (relu) v = v.max(0f);
        v.intoArray(y, at, real);
    }
}
