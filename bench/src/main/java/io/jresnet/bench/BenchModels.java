package io.jresnet.bench;

import io.jresnet.JResnetException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.models.BuiltinModel;
import io.jresnet.models.Zoo;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.Plan;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/** Shared set-up: the benchmark models with seeded weights, and validation against {@code reference}. */
final class BenchModels {
    private BenchModels() {}

    /** The README's built-in model: the trained Fashion-MNIST ResNet-20 (1 x 28 x 28 inputs). */
    static final String BUILTIN = "builtin";

    /** A zoo model with seeded weights, or {@link #BUILTIN}. */
    static ResNet model(String name) {
        if (name.equals(BUILTIN)) {
            try {
                return BuiltinModel.load();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("reading the built-in model", e);
            }
        }
        ResNet net = Zoo.build(name, 42);
        Initializers.randomBatchNormStatistics(net, 43);
        return net;
    }

    /** 224 x 224 for ImageNet stems, 32 x 32 for CIFAR ones, 28 x 28 for one-channel (Fashion-MNIST) ones. */
    static Shape input(ResNet net, int batch) {
        int size = net.spec().stem() == ResNetSpec.Stem.IMAGENET ? 224 : net.spec().inChannels() == 1 ? 28 : 32;
        return Shape.nchw(batch, net.spec().inChannels(), size, size);
    }

    /**
     * Checks that {@code backend} computes what {@code reference} does on one image through the same
     * model (the reference is too slow to run every batch size), with the conformance suite's network
     * tolerance: max abs diff at most 1e-3 of the largest logit (plus 1e-3 relative).
     */
    static void validate(Backend backend, ResNet net) {
        if (backend.name().equals("reference")) return;
        Shape one = input(net, 1);
        Plan plan = net.plan(one);
        Tensor x = Tensor.uniform(one, -1f, 1f, 5);
        Tensor expected, actual;
        try (CompiledModel e = new ReferenceBackend().compile(plan)) { expected = e.run(x); }
        try (CompiledModel m = backend.compile(plan); Session e = m.newSession()) { actual = e.run(x); }
        double scale = 0, worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            float ev = expected.array()[i], av = actual.array()[i];
            scale = Math.max(scale, Math.abs(ev));
            worst = Math.max(worst, Math.abs(av - ev) - 1e-3 * Math.abs(ev));
        }
        if (!(worst <= 1e-3 * Math.max(1, scale))) {
            throw new JResnetException(backend.name() + " disagrees with reference on " + net.spec().name()
                    + ": excess error " + worst + " at logit scale " + scale);
        }
    }
}
