package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;
import io.jresnet.tensor.Tensor;

/** {@code y = x W^T + b} with {@code weight [out, in]} and {@code bias [out]}, as torch.nn.Linear. */
public final class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * A linear layer with zero weights and bias until initialised or loaded.
     *
     * @param inFeatures input features
     * @param outFeatures output features
     */
    public Linear(int inFeatures, int outFeatures) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = weight("weight", Tensor.zeros(outFeatures, inFeatures));
        this.bias = weight("bias", Tensor.zeros(outFeatures));
    }

    /** {@return the input features} */
    public int inFeatures() { return inFeatures; }

    /** {@return the output features} */
    public int outFeatures() { return outFeatures; }

    /** {@return the weight, {@code [out, in]}} */
    public Parameter weight() { return weight; }

    /** {@return the bias, {@code [out]}} */
    public Parameter bias() { return bias; }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.linear(path, x, weight.value(), bias.value());
    }
}
