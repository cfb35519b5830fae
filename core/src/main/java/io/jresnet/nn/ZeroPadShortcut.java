package io.jresnet.nn;

import io.jresnet.plan.GraphBuilder;

/**
 * Shortcut option A (He et al. 2015, sec. 4.2): identity subsampled by the stride, with the extra
 * output channels zero-padded. Parameter-free.
 */
public final class ZeroPadShortcut extends Module {
    private final int stride;
    private final int outChannels;

    /**
     * The option-A shortcut.
     *
     * @param stride the subsampling step in pixels
     * @param outChannels the channels after zero padding
     */
    public ZeroPadShortcut(int stride, int outChannels) {
        this.stride = stride;
        this.outChannels = outChannels;
    }

    @Override
    public int lower(GraphBuilder g, String path, int x) {
        return g.shortcutPad(path, x, stride, outChannels);
    }
}
