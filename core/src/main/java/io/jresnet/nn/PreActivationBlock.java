package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;

/**
 * The pre-activation block of He et al. 2016, "Identity Mappings in Deep Residual Networks" (fig. 1b,
 * eq. 3): {@code y = F(x) + shortcut(x)} with BN-ReLU before every convolution of {@code F} and
 * nothing after the addition, so the identity path runs from block to block untouched.
 * <ul>
 *   <li>basic: {@code F(x) = conv2(relu(bn2(conv1(relu(bn1(x))))))}, 3x3 convs, stride on conv1;</li>
 *   <li>bottleneck: {@code F(x) = conv3(relu(bn3(conv2(relu(bn2(conv1(relu(bn1(x)))))))))}, 1x1, 3x3
 *       (with the stride), 1x1 to {@code 4 * planes} channels.</li>
 * </ul>
 * A projection shortcut is a 1x1 convolution without BN, applied to the pre-activated input {@code
 * relu(bn1(x))} as in the paper's code; an option-A shortcut subsamples {@code x} itself.
 */
public final class PreActivationBlock extends ResidualBlock {
    private final boolean bottleneck;
    private final BatchNorm2d bn1;
    private final Conv2d conv1;
    private final BatchNorm2d bn2;
    private final Conv2d conv2;
    private final BatchNorm2d bn3;
    private final Conv2d conv3;

    /**
     * A block and its shortcut, with zero weights until initialised or loaded.
     *
     * @param inChannels the input's channels
     * @param planes the stage's planes: the output has {@code planes} channels (basic) or {@code 4 * planes}
     * @param width the channels inside a bottleneck ({@code planes} unless wide); ignored for basic blocks
     * @param stride 1, or 2 for the first block of a stage that halves the image
     * @param shortcut the shortcut option
     * @param bottleneck 1x1-3x3-1x1 instead of two 3x3 convolutions
     */
    public PreActivationBlock(int inChannels, int planes, int width, int stride, ShortcutType shortcut,
                              boolean bottleneck) {
        super(shortcut);
        this.bottleneck = bottleneck;
        int out = bottleneck ? planes * BottleneckBlock.EXPANSION : planes;
        int inner = bottleneck ? width : planes;
        bn1 = child("bn1", new BatchNorm2d(inChannels));
        conv1 = child("conv1", bottleneck ? new Conv2d(inChannels, inner, 1, 1, 0, false)
                : new Conv2d(inChannels, inner, 3, stride, 1, false));
        bn2 = child("bn2", new BatchNorm2d(inner));
        conv2 = child("conv2", bottleneck ? new Conv2d(inner, inner, 3, stride, 1, false)
                : new Conv2d(inner, out, 3, 1, 1, false));
        bn3 = bottleneck ? child("bn3", new BatchNorm2d(inner)) : null;
        conv3 = bottleneck ? child("conv3", new Conv2d(inner, out, 1, 1, 0, false)) : null;
        attachShortcut(inChannels, out, stride, false);
    }

    /** {@return whether this is a bottleneck block} */
    public boolean bottleneck() {
        return bottleneck;
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        int pre = g.relu(join(path, "relu1"), bn1.lower(g, join(path, "bn1"), x));
        int f = residualFromPreActivated(g, path, pre);
        if (shortcutType() == ShortcutType.NONE) return f;
        Module s = shortcut();
        int id = s == null ? x
                : s instanceof Sequential ? s.lower(g, join(path, "downsample"), pre) : s.lower(g, join(path, "shortcut"), x);
        return g.add(join(path, "add"), f, id);
    }

    @Override
    protected int lowerResidual(GraphBuilder g, String path, int x) {
        return residualFromPreActivated(g, path, g.relu(join(path, "relu1"), bn1.lower(g, join(path, "bn1"), x)));
    }

    private int residualFromPreActivated(GraphBuilder g, String path, int pre) {
        int f = conv1.lower(g, join(path, "conv1"), pre);
        f = g.relu(join(path, "relu2"), bn2.lower(g, join(path, "bn2"), f));
        f = conv2.lower(g, join(path, "conv2"), f);
        if (!bottleneck) return f;
        f = g.relu(join(path, "relu3"), bn3.lower(g, join(path, "bn3"), f));
        return conv3.lower(g, join(path, "conv3"), f);
    }
}
