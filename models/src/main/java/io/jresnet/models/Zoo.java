package io.jresnet.models;

import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import java.util.Set;

/**
 * The model zoo: every architecture in {@link ResNetSpec#zoo()} by name, built with seeded Kaiming
 * weights. Loading trained weights from files is {@code io.jresnet.models.weights}' job.
 */
public final class Zoo {
    private Zoo() {}

    public static Set<String> names() {
        return ResNetSpec.zoo().keySet();
    }

    /** Builds {@code name} with He initialisation from {@code seed}, in eval mode. */
    public static ResNet build(String name, long seed) {
        return build(ResNetSpec.named(name), seed);
    }

    public static ResNet build(ResNetSpec spec, long seed) {
        ResNet net = new ResNet(spec);
        Initializers.kaiming(net, seed, false);
        net.train(false);
        return net;
    }
}
