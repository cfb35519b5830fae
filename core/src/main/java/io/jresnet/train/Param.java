package io.jresnet.train;

import io.jresnet.tensor.Tensor;

/**
 * A tensor a graph op reads, with where its gradient accumulates: a trainable parameter's gradient,
 * or null for a constant (a buffer, a frozen weight, the zero bias of a conv without one).
 */
public record Param(Tensor value, Tensor grad) {
    public static Param constant(Tensor value) {
        return new Param(value, null);
    }

    public boolean trainable() {
        return grad != null;
    }
}
