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
     * Implicit GEMM over the blocked layout (see {@link ConvPlan}): output pixels x output channels,
     * depth = input channels x window, cache-blocked by chunks of depth and blocks of output
     * channels, with the activation read in place by the GEMM micro-kernel
     * ({@link VectorTileKernel}) and bias, residual and ReLU applied as each tile is stored. Handles
     * every kernel size, stride and padding.
     */
    IMPLICIT_GEMM;

    static ConvAlgorithm choose(Op.Conv conv) {
        return IMPLICIT_GEMM;
    }
}
