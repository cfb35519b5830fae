package io.jresnet.cli;

import io.jresnet.nn.ResNet;
import io.jresnet.plan.Graph;
import io.jresnet.tensor.Shape;
import java.util.Optional;

/**
 * A model the CLI can run, whatever it was loaded from: a zoo name, a weights file, and later an
 * imported graph. Commands use only this view, so a new source needs no change to them.
 */
public interface LoadedModel {
    /** Architecture name, e.g. {@code resnet50}. */
    String name();

    /** Where the weights came from, e.g. {@code seeded random weights, seed 0} or a file path. */
    String origin();

    /** Image channels the model takes (dimension 1 of its NCHW input). */
    int inChannels();

    /** The image side the model was designed for: 224 for ImageNet stems, 32 for CIFAR ones. */
    int defaultInputSize();

    /** The inference graph for one NCHW input shape; throws {@link io.jresnet.ShapeException} if it cannot take it. */
    Graph graph(Shape input);

    /** Trainable parameters (not running statistics). */
    long parameterCount();

    /** Trainable parameters of the layer at {@code path} (a graph op's name) and below. */
    long parameterCount(String path);

    /** The module tree, for commands that need more than inference (training, export), when there is one. */
    Optional<ResNet> network();
}
