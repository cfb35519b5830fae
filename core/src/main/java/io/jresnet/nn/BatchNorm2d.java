package io.jresnet.nn;

import io.jresnet.ShapeException;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * Batch normalisation over the channels of NCHW input (Ioffe and Szegedy 2015):
 * {@code y = (x - mean) / sqrt(var + eps) * weight + bias}. In training mode mean and var are the
 * batch's (biased variance) and the running statistics move towards them with {@code momentum}
 * (the running variance uses the unbiased estimate, as torch does); in eval mode the running
 * statistics are used. Names: {@code weight, bias, running_mean, running_var, num_batches_tracked}.
 */
public final class BatchNorm2d extends Module {
    /** torch's default epsilon: {@value}. */
    public static final float DEFAULT_EPS = 1e-5f;
    /** torch's default momentum: {@value}. */
    public static final float DEFAULT_MOMENTUM = 0.1f;

    private final int channels;
    private final float eps;
    private final float momentum;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private final Parameter batchesTracked;

    /**
     * A batch norm with torch's defaults: weight 1, bias 0, running mean 0 and variance 1.
     *
     * @param channels the channels it normalises
     */
    public BatchNorm2d(int channels) {
        this(channels, DEFAULT_EPS, DEFAULT_MOMENTUM);
    }

    /**
     * A batch norm: weight 1, bias 0, running mean 0 and variance 1.
     *
     * @param channels the channels it normalises
     * @param eps added to the variance
     * @param momentum how far the running statistics move towards a training batch's
     */
    public BatchNorm2d(int channels, float eps, float momentum) {
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = weight("weight", Tensor.zeros(channels).fill(1f));
        this.bias = weight("bias", Tensor.zeros(channels));
        this.runningMean = buffer("running_mean", Tensor.zeros(channels));
        this.runningVar = buffer("running_var", Tensor.zeros(channels).fill(1f));
        this.batchesTracked = buffer("num_batches_tracked", Tensor.zeros(Shape.of()));
    }

    /** {@return the channels it normalises} */
    public int channels() { return channels; }

    /** {@return the epsilon added to the variance} */
    public float eps() { return eps; }

    /** {@return the running statistics' update rate} */
    public float momentum() { return momentum; }

    /** {@return the per-channel scale (gamma), {@code [C]}} */
    public Parameter weight() { return weight; }

    /** {@return the per-channel shift (beta), {@code [C]}} */
    public Parameter bias() { return bias; }

    /** {@return the running mean, {@code [C]} (a buffer)} */
    public Parameter runningMean() { return runningMean; }

    /** {@return the running variance, {@code [C]} (a buffer)} */
    public Parameter runningVar() { return runningVar; }

    /** {@return the count of training batches seen, {@code [1]} (a buffer)} */
    public Parameter batchesTracked() { return batchesTracked; }

    private void check(Shape in) {
        if (in.rank() != 4 || in.c() != channels) {
            throw new ShapeException("BatchNorm2d(" + channels + "): expected [N, " + channels + ", H, W], found " + in);
        }
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.batchNorm(path, x, weight.value(), bias.value(), runningMean.value(), runningVar.value(), eps, momentum);
    }
}
