package io.jresnet.cli;

import io.jresnet.nn.Parameter;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.Graph;
import io.jresnet.tensor.Shape;
import java.util.Map;
import java.util.Optional;

/** A {@link LoadedModel} backed by a {@link ResNet} module tree. */
record NetworkModel(ResNet net, String origin) implements LoadedModel {
    @Override
    public String name() {
        return net.spec().name();
    }

    @Override
    public int inChannels() {
        return net.spec().inChannels();
    }

    @Override
    public int defaultInputSize() {
        return net.spec().stem() == ResNetSpec.Stem.IMAGENET ? 224 : 32;
    }

    @Override
    public Graph graph(Shape input) {
        return net.toGraph(input);
    }

    @Override
    public long parameterCount() {
        return net.parameterCount();
    }

    @Override
    public long parameterCount(String path) {
        long n = 0;
        for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet()) {
            if (e.getValue().trainable() && e.getKey().startsWith(path + ".")) n += e.getValue().value().size();
        }
        return n;
    }

    @Override
    public Optional<ResNet> network() {
        return Optional.of(net);
    }
}
