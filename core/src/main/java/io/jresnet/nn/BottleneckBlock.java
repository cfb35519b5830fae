package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;

/**
 * 1x1 reduce, 3x3, 1x1 restore to {@code 4 * planes} channels, each followed by BN (ReLU after the
 * first two). The stride sits on the 3x3 conv ("ResNet v1.5", as torchvision), not on the first 1x1.
 * The inner width is {@code planes} in a standard ResNet and twice that in a wide one.
 */
public final class BottleneckBlock extends ResidualBlock {
    /** Output channels per {@code planes}: {@value}. */
    public static final int EXPANSION = 4;

    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;
    private final ReLU relu = new ReLU();

    /**
     * A block and its shortcut, with zero weights until initialised or loaded.
     *
     * @param inChannels the input's channels
     * @param planes the width of the residual function (its output has {@code planes * EXPANSION} channels)
     * @param stride 1, or 2 for the first block of a stage that halves the image
     * @param shortcut the shortcut option
     */
    public BottleneckBlock(int inChannels, int planes, int stride, ShortcutType shortcut) {
        this(inChannels, planes, planes, stride, shortcut);
    }

    /**
     * A block whose 1x1 and 3x3 layers have {@code width} channels (torchvision's {@code
     * planes * width_per_group / 64}; twice {@code planes} in a wide ResNet).
     *
     * @param inChannels the input's channels
     * @param planes the block's output has {@code planes * EXPANSION} channels
     * @param width the channels inside the block
     * @param stride 1, or 2 for the first block of a stage that halves the image
     * @param shortcut the shortcut option
     */
    public BottleneckBlock(int inChannels, int planes, int width, int stride, ShortcutType shortcut) {
        this(inChannels, planes, width, 1, stride, shortcut);
    }

    /**
     * A ResNeXt block: the 3x3 layer in {@code groups} groups (Xie et al. 2017, form (c) of their
     * figure 3, as torchvision builds it).
     *
     * @param inChannels the input's channels
     * @param planes the block's output has {@code planes * EXPANSION} channels
     * @param width the channels inside the block (a multiple of {@code groups})
     * @param groups the 3x3 convolution's groups
     * @param stride 1, or 2 for the first block of a stage that halves the image
     * @param shortcut the shortcut option
     */
    public BottleneckBlock(int inChannels, int planes, int width, int groups, int stride, ShortcutType shortcut) {
        super(shortcut);
        conv1 = child("conv1", new Conv2d(inChannels, width, 1, 1, 0, false));
        bn1 = child("bn1", new BatchNorm2d(width));
        conv2 = child("conv2", new Conv2d(width, width, 3, stride, 1, groups, false));
        bn2 = child("bn2", new BatchNorm2d(width));
        conv3 = child("conv3", new Conv2d(width, planes * EXPANSION, 1, 1, 0, false));
        bn3 = child("bn3", new BatchNorm2d(planes * EXPANSION));
        attachShortcut(inChannels, planes * EXPANSION, stride);
    }

    /** {@return the BatchNorm whose scale "zero-init residual" sets to zero} */
    public BatchNorm2d lastBatchNorm() {
        return bn3;
    }

    @Override
    protected int lowerResidual(GraphBuilder g, String path, int x) {
        x = g.relu(join(path, "relu1"), bn1.lower(g, join(path, "bn1"), conv1.lower(g, join(path, "conv1"), x)));
        x = g.relu(join(path, "relu2"), bn2.lower(g, join(path, "bn2"), conv2.lower(g, join(path, "conv2"), x)));
        return bn3.lower(g, join(path, "bn3"), conv3.lower(g, join(path, "conv3"), x));
    }
}
