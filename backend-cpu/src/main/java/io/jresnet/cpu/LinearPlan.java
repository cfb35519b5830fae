package io.jresnet.cpu;

import io.jresnet.ShapeException;
import io.jresnet.plan.PlanOp;

/**
 * A fully connected layer with its weight packed for the GEMM kernel: output features in blocks of
 * {@code lanes}, and within a block the weight transposed so one input feature's weights for the
 * whole block are one vector: {@code weights[(ob * in + i) * L + l] = W[ob * L + l, i]} (zero past
 * {@code out}). Items are output blocks.
 */
final class LinearPlan {
    final String name;
    final int batch;
    final int in;
    final int out;
    final int lanes;
    final float[] weights;
    final float[] bias;
    final boolean relu;

    LinearPlan(PlanOp.Linear l, int batch, long inputFloats, int lanes) {
        if ((long) batch * l.inFeatures() != inputFloats) {
            throw new ShapeException(l.name() + ": input of " + inputFloats + " floats cannot be read as [" + batch
                    + ", " + l.inFeatures() + "]");
        }
        this.name = l.name();
        this.batch = batch;
        this.in = l.inFeatures();
        this.out = l.outFeatures();
        this.lanes = lanes;
        this.relu = l.relu();
        int blocks = blocks();
        this.weights = new float[Math.toIntExact((long) blocks * in * lanes)];
        this.bias = new float[blocks * lanes];
        float[] w = l.weight().array();
        int wOff = l.weight().offset();
        for (int o = 0; o < out; o++) {
            int ob = o / lanes, lane = o % lanes;
            for (int i = 0; i < in; i++) weights[(ob * in + i) * lanes + lane] = w[wOff + o * in + i];
        }
        if (l.bias() != null) System.arraycopy(l.bias().array(), l.bias().offset(), bias, 0, out);
    }

    int blocks() {
        return (out + lanes - 1) / lanes;
    }

    int items() {
        return blocks();
    }
}
