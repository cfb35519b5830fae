package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;

/**
 * The residual principle: {@code y = relu(F(x) + shortcut(x))}, with the ReLU after the addition.
 * Subclasses define {@code F} (the residual function up to and including its last BatchNorm) and call
 * {@link #attachShortcut} once their own layers are registered, so state-dict keys come out in
 * torchvision's order.
 */
public abstract class ResidualBlock extends Module {
    private final ShortcutType type;
    private Module shortcut;

    /**
     * A block with this shortcut option; the subclass registers its layers, then calls
     * {@link #attachShortcut}.
     *
     * @param type the shortcut option
     */
    protected ResidualBlock(ShortcutType type) {
        this.type = type;
    }

    /**
     * Registers the shortcut for a block taking {@code inChannels} to {@code outChannels} with
     * {@code stride}: nothing for identity, a {@code downsample} projection (options B, C) or a
     * zero-padding {@code shortcut} (option A).
     *
     * @param inChannels the block's input channels
     * @param outChannels the block's output channels
     * @param stride the block's stride
     */
    protected final void attachShortcut(int inChannels, int outChannels, int stride) {
        attachShortcut(inChannels, outChannels, stride, true);
    }

    /**
     * Registers the shortcut; a projection is a 1x1 conv followed by BN when {@code batchNorm} (the
     * original blocks), the conv alone otherwise (pre-activation blocks, whose next block normalises).
     *
     * @param inChannels the block's input channels
     * @param outChannels the block's output channels
     * @param stride the block's stride
     * @param batchNorm whether a projection has its own BN
     */
    protected final void attachShortcut(int inChannels, int outChannels, int stride, boolean batchNorm) {
        boolean shapeChanges = stride != 1 || inChannels != outChannels;
        switch (type) {
            case NONE -> shortcut = null;
            case A -> shortcut = shapeChanges ? child("shortcut", new ZeroPadShortcut(stride, outChannels)) : null;
            case B, C -> {
                if (type == ShortcutType.C || shapeChanges) {
                    Conv2d projection = new Conv2d(inChannels, outChannels, 1, stride, 0, false);
                    shortcut = child("downsample", batchNorm ? new Sequential(projection, new BatchNorm2d(outChannels))
                            : new Sequential(projection));
                } else {
                    shortcut = null;
                }
            }
        }
    }

    /** {@return the shortcut option} */
    public ShortcutType shortcutType() {
        return type;
    }

    /** {@return the projection or padding module, or null for identity (and for plain blocks)} */
    public Module shortcut() {
        return shortcut;
    }

    /**
     * Lowers F(x), the block's layers before the addition and the final ReLU.
     *
     * @param g the builder to add to
     * @param path the block's full dotted name
     * @param x the block's input value
     * @return the value of F(x)
     */
    protected abstract int lowerResidual(GraphBuilder g, String path, int x);

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        int s = -1;
        if (type != ShortcutType.NONE) {
            s = shortcut == null ? x : shortcut.lower(g, join(path, shortcut instanceof Sequential ? "downsample" : "shortcut"), x);
        }
        int f = lowerResidual(g, path, x);
        if (s >= 0) f = g.add(join(path, "add"), f, s);
        return g.relu(join(path, "relu"), f);
    }
}
