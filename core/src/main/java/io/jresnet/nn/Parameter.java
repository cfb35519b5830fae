package io.jresnet.nn;

import io.jresnet.ShapeException;
import io.jresnet.tensor.Tensor;

/**
 * A named tensor a module owns: a trainable weight, or a buffer such as a batch-norm running mean
 * (saved and loaded with the weights, never trained). The gradient is allocated on first use.
 */
public final class Parameter {
    private final Tensor value;
    private final boolean trainable;
    private Tensor grad;

    Parameter(Tensor value, boolean trainable) {
        this.value = value;
        this.trainable = trainable;
    }

    /** {@return the value: the module's own tensor, not a copy} */
    public Tensor value() {
        return value;
    }

    /** {@return true for weights the optimizer updates; false for buffers (running statistics)} */
    public boolean trainable() {
        return trainable;
    }

    /** {@return the accumulated gradient, same shape as the value, zero until written} */
    public Tensor grad() {
        if (grad == null) grad = Tensor.zeros(value.shape());
        return grad;
    }

    /**
     * Copies {@code src} into this parameter; the shapes must hold the same elements in the same order.
     *
     * @param name the parameter's full name, for the error
     * @param src the values
     * @throws io.jresnet.ShapeException if the element counts differ
     */
    public void load(String name, Tensor src) {
        if (src.size() != value.size()
                || (src.rank() == value.rank() && !src.shape().equals(value.shape()))) {
            throw new ShapeException("parameter '" + name + "': expected shape " + value.shape() + ", found "
                    + src.shape());
        }
        value.copyFrom(src.reshape(value.shape()));
    }
}
