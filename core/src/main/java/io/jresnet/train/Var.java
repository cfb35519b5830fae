package io.jresnet.train;

import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * A value on a {@link Tape}: the tensor an op produced and, once backward reaches it, the gradient of
 * the loss with respect to it. Gradients accumulate ({@code +=}), so a value read by two ops (the
 * input of a residual block feeds both the residual function and the shortcut) receives the sum.
 * An op output's value and gradient are buffers of the tape's {@link TrainingContext}, reused by the
 * next tape on it.
 */
public final class Var {
    private final Tensor value;
    private final boolean requiresGrad;
    private final TrainingContext context;
    private final int slot;
    private Tensor grad;

    Var(Tensor value, boolean requiresGrad) {
        this(value, requiresGrad, null, -1);
    }

    /** With a context: the gradient is the context's buffer for {@code slot}. */
    Var(Tensor value, boolean requiresGrad, TrainingContext context, int slot) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.context = context;
        this.slot = slot;
    }

    public Tensor value() {
        return value;
    }

    public Shape shape() {
        return value.shape();
    }

    /** False for constants (input images): backward skips work that would only produce their gradient. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** The gradient, same shape as the value, zeros on first use. */
    public Tensor grad() {
        if (grad == null) {
            if (context == null) {
                grad = Tensor.zeros(value.shape());
            } else {
                int size = value.shape().intSize();
                float[] g = context.gradient(slot, size);
                context.zero(g, size);
                grad = Tensor.wrap(g, value.shape());
            }
        }
        return grad;
    }

    /** True once some op has written a gradient here. */
    public boolean hasGrad() {
        return grad != null;
    }

    @Override
    public String toString() {
        return "Var" + value.shape() + (requiresGrad ? "" : " (constant)");
    }
}
