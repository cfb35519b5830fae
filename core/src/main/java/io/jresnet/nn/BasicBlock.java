package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;

/** Two 3x3 convs: {@code F(x) = bn2(conv2(relu(bn1(conv1(x)))))}; the stride is on conv1. Expansion 1. */
public final class BasicBlock extends ResidualBlock {
    /** Output channels per {@code planes}: {@value}. */
    public static final int EXPANSION = 1;

    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final ReLU relu = new ReLU();

    /**
     * A block and its shortcut, with zero weights until initialised or loaded.
     *
     * @param inChannels the input's channels
     * @param planes the width of the residual function (its output has {@code planes * EXPANSION} channels)
     * @param stride 1, or 2 for the first block of a stage that halves the image
     * @param shortcut the shortcut option
     */
    public BasicBlock(int inChannels, int planes, int stride, ShortcutType shortcut) {
        super(shortcut);
        conv1 = child("conv1", new Conv2d(inChannels, planes, 3, stride, 1, false));
        bn1 = child("bn1", new BatchNorm2d(planes));
        conv2 = child("conv2", new Conv2d(planes, planes, 3, 1, 1, false));
        bn2 = child("bn2", new BatchNorm2d(planes));
        attachShortcut(inChannels, planes * EXPANSION, stride);
    }

    /** {@return the BatchNorm whose scale "zero-init residual" sets to zero} */
    public BatchNorm2d lastBatchNorm() {
        return bn2;
    }

    @Override
    protected int lowerResidual(GraphBuilder g, String path, int x) {
        x = conv1.lower(g, join(path, "conv1"), x);
        x = bn1.lower(g, join(path, "bn1"), x);
        x = g.relu(join(path, "relu1"), x);
        x = conv2.lower(g, join(path, "conv2"), x);
        return bn2.lower(g, join(path, "bn2"), x);
    }
}
