package io.jresnet.models;

import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import java.util.Set;

/**
 * The model zoo: every architecture in {@link ResNetSpec#zoo()} by name, built with seeded Kaiming
 * weights. Loading trained weights from files is {@link io.jresnet.models.io.ModelFiles}' job (and
 * {@link io.jresnet.models.onnx.OnnxImporter}'s). Each call builds a new network, which the caller
 * owns (a {@code ResNet} is plain Java memory: nothing to close).
 */
public final class Zoo {
    private Zoo() {}

    /** {@return the architectures' names: resnet18..152, resnet20..110, and plain18, plain20, ...} */
    public static Set<String> names() {
        return ResNetSpec.zoo().keySet();
    }

    /**
     * {@return the network {@code name} with He initialisation from {@code seed}, in eval mode}
     *
     * @param name one of {@link #names()}, any case
     * @param seed the weights' seed: the same seed gives the same weights
     * @throws io.jresnet.JResnetException for an unknown name
     */
    public static ResNet build(String name, long seed) {
        return build(ResNetSpec.named(name), seed);
    }

    /**
     * {@return the network of {@code spec} with He initialisation from {@code seed}, in eval mode}
     *
     * @param spec the architecture, e.g. a zoo spec {@linkplain ResNetSpec#withClasses with other classes}
     * @param seed the weights' seed
     */
    public static ResNet build(ResNetSpec spec, long seed) {
        ResNet net = new ResNet(spec);
        Initializers.kaiming(net, seed, false);
        net.train(false);
        return net;
    }
}
