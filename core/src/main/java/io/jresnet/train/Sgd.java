package io.jresnet.train;

import io.jresnet.ShapeException;
import io.jresnet.nn.Conv2d;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.Linear;
import io.jresnet.nn.Module;
import io.jresnet.nn.Parameter;
import io.jresnet.tensor.Tensor;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Stochastic gradient descent with momentum and weight decay, in torch's form (dampening 0, no
 * Nesterov), which is what torchvision's ResNet recipes use:
 * <pre>
 *   g = grad + weightDecay * w      (only for decayed parameters)
 *   v = momentum * v + g            (v starts at 0, so the first v is g)
 *   w = w - learningRate * v
 * </pre>
 * He et al. write it as {@code v = m v - lr g; w += v}; the two agree while the rate is constant and
 * differ only in how a rate change reaches the velocity.
 *
 * <p>Weight decay applies to convolution and linear weights only. Batch-norm scale and shift are
 * excluded: BN output is invariant to the scale of the weights before it, so shrinking the BN
 * scale does not reduce the capacity the way decay on a weight does; it only fights the
 * normalisation the layer is there to learn (a smaller scale is undone by larger downstream
 * weights) and hurts accuracy. Biases are excluded because they do not multiply inputs and
 * shrinking them does not regularise. The paper's 1e-4 applies to the rest.
 */
public final class Sgd {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Set<Parameter> decayed = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<String, Tensor> velocity = new LinkedHashMap<>();
    private final double momentum;
    private final double weightDecay;

    /** The paper's setting: momentum 0.9, weight decay 1e-4. */
    public static Sgd paper(Module model) {
        return new Sgd(model, 0.9, 1e-4);
    }

    /** Optimises every trainable parameter of {@code model}; decays its conv and linear weights. */
    public Sgd(Module model, double momentum, double weightDecay) {
        if (momentum < 0 || momentum >= 1 || weightDecay < 0) {
            throw new IllegalArgumentException("momentum must be in [0, 1) and weight decay >= 0, found " + momentum
                    + " and " + weightDecay);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        for (Module m : Initializers.modules(model)) {
            if (m instanceof Conv2d c) decayed.add(c.weight());
            if (m instanceof Linear l) decayed.add(l.weight());
        }
        model.namedParameters().forEach((name, p) -> {
            if (p.trainable()) parameters.put(name, p);
        });
    }

    public double momentum() {
        return momentum;
    }

    public double weightDecay() {
        return weightDecay;
    }

    /** True if weight decay applies to the named parameter. */
    public boolean decays(String name) {
        Parameter p = parameters.get(name);
        return p != null && decayed.contains(p);
    }

    /** The trainable parameters, by full name. */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Sets every gradient to zero (call before each backward pass; gradients accumulate). */
    public void zeroGrad() {
        for (Parameter p : parameters.values()) p.grad().fill(0f);
    }

    /** One update with the given learning rate, from the gradients now held by the parameters. */
    public void step(double learningRate) {
        parameters.forEach((name, p) -> {
            float[] w = p.value().array(), g = p.grad().array();
            int off = p.value().offset(), n = p.value().size();
            Tensor v = velocity.computeIfAbsent(name, k -> Tensor.zeros(p.value().shape()));
            float[] va = v.array();
            double wd = decayed.contains(p) ? weightDecay : 0;
            for (int i = 0; i < n; i++) {
                double grad = g[i] + wd * w[off + i];
                va[i] = (float) (momentum * va[i] + grad);
                w[off + i] = (float) (w[off + i] - learningRate * va[i]);
            }
        });
    }

    /** The momentum buffers by parameter name (views; empty before the first step), for checkpoints. */
    public Map<String, Tensor> state() {
        return Collections.unmodifiableMap(velocity);
    }

    /** Restores momentum buffers saved by {@link #state()}; names must be trainable parameters. */
    public void loadState(Map<String, Tensor> buffers) {
        buffers.forEach((name, t) -> {
            Parameter p = parameters.get(name);
            if (p == null) throw new ShapeException("momentum buffer for unknown parameter '" + name + "'");
            if (!t.shape().equals(p.value().shape())) {
                throw new ShapeException("momentum buffer '" + name + "': expected " + p.value().shape() + ", found "
                        + t.shape());
            }
            velocity.put(name, t.copy());
        });
    }
}
