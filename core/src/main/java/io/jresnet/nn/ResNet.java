package io.jresnet.nn;

import io.jresnet.JResnetException;
import io.jresnet.plan.GraphBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * A residual network built from a {@link ResNetSpec}, with torchvision's module names: {@code conv1,
 * bn1, relu, [maxpool,] layer1..layerK, avgpool, fc}. A stage is built like torchvision's
 * {@code _make_layer}: its first block takes the stride and the width change, the rest keep shape.
 */
public final class ResNet extends Module {
    private final ResNetSpec spec;
    private final List<ResidualBlock> blocks = new ArrayList<>();

    /**
     * The network of a spec, with zero weights until initialised ({@link Initializers}) or loaded
     * ({@link #loadStateDict}); {@code Zoo.build} in {@code io.jresnet.models} does the first.
     *
     * @param spec the architecture
     */
    public ResNet(ResNetSpec spec) {
        this.spec = spec;
        boolean imagenet = spec.stem() == ResNetSpec.Stem.IMAGENET;
        int width = spec.stageWidths()[0];
        child("conv1", imagenet ? new Conv2d(spec.inChannels(), width, 7, 2, 3, false)
                : new Conv2d(spec.inChannels(), width, 3, 1, 1, false));
        // A pre-activation CIFAR net leaves the stem's normalisation to the first block's bn1; the
        // ImageNet one keeps BN-ReLU before the max pool, as the paper's code does.
        if (!spec.preActivation() || imagenet) {
            child("bn1", new BatchNorm2d(width));
            child("relu", new ReLU());
        }
        if (imagenet) child("maxpool", new MaxPool2d(3, 2, 1));
        int in = width;
        for (int s = 0; s < spec.blocksPerStage().length; s++) {
            int planes = spec.stageWidths()[s];
            List<Module> stage = new ArrayList<>();
            for (int b = 0; b < spec.blocksPerStage()[s]; b++) {
                int stride = (b == 0 && s > 0) ? 2 : 1;
                boolean basic = spec.block() == ResNetSpec.Block.BASIC;
                if (spec.preActivation() && spec.groups() != 1) {
                    throw new JResnetException(spec.name() + ": pre-activation blocks with grouped convolutions"
                            + " are not in the zoo (" + spec.groups() + " groups)");
                }
                ResidualBlock block = spec.preActivation()
                        ? new PreActivationBlock(in, planes, spec.innerWidth(planes), stride, spec.shortcut(), !basic)
                        : basic ? new BasicBlock(in, planes, stride, spec.shortcut())
                        : new BottleneckBlock(in, planes, spec.innerWidth(planes), spec.groups(), stride,
                                spec.shortcut());
                blocks.add(block);
                stage.add(block);
                in = planes * spec.expansion();
            }
            child("layer" + (s + 1), new Sequential(stage));
        }
        if (spec.preActivation()) {
            // The last block's sum is not normalised by any block after it.
            child("final_bn", new BatchNorm2d(in));
            child("final_relu", new ReLU());
        }
        child("avgpool", new GlobalAvgPool2d());
        child("flatten", new Flatten());
        child("fc", new Linear(in, spec.numClasses()));
    }

    /** {@return the architecture} */
    public ResNetSpec spec() {
        return spec;
    }

    /** {@return the residual blocks in order} */
    public List<ResidualBlock> blocks() {
        return List.copyOf(blocks);
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return lowerChildren(g, path, x);
    }
}
