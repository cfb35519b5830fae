package io.jresnet.cpu;

import io.jresnet.plan.Op;

/**
 * How one convolution is computed, chosen per layer when a plan is compiled. Each algorithm owns its
 * weight packing ({@link ConvPlan}) and kernel; the executable only sees the plan. A Winograd
 * {@code F(4x4,3x3)} for 3x3 stride-1 layers slots in as another constant here, chosen by
 * {@link #choose}, with its transformed weights packed in {@link ConvPlan#create}.
 */
enum ConvAlgorithm {
    /**
     * Register-blocked direct convolution over the blocked layout: a tile of {@link ConvPlan#TILE_PIXELS}
     * output pixels by {@link ConvPlan#TILE_BLOCKS} output channel blocks is accumulated in registers
     * while the input channels and the kernel window are swept. For a 1x1 kernel this is a GEMM whose
     * A panel is the activation itself (channels are contiguous inside a block), so no im2col and no
     * repacking of activations is needed. Handles every kernel size, stride and padding.
     */
    DIRECT;

    static ConvAlgorithm choose(Op.Conv conv) {
        return DIRECT;
    }
}
