package io.jresnet.cpu;

import io.jresnet.plan.PlanOp;
import io.jresnet.tensor.Shape;

/**
 * How one convolution is computed, chosen per layer when a plan is compiled ({@link #choose}). Each
 * algorithm owns its weight packing (a plan type) and kernel; the executable only sees the plan.
 */
enum ConvAlgorithm {
    /**
     * Implicit GEMM over the blocked layout (see {@link ConvPlan}): output pixels x output channels,
     * depth = input channels x window, cache-blocked by chunks of depth and blocks of output
     * channels, with the activation read in place by the GEMM micro-kernel
     * ({@link VectorTileKernel}) and bias, residual and ReLU applied as each tile is stored. Handles
     * every kernel size, stride and padding.
     */
    IMPLICIT_GEMM,
    /**
     * Winograd {@code F(4x4,3x3)} (see {@link WinogradPlan}): 36 GEMMs over 4x4 output tiles instead
     * of 9 window positions over pixels, so 2.25x fewer multiplies per output than the direct
     * convolution (4x on whole tiles), at the price of the input and output transforms and a larger
     * rounding error. 3x3 stride-1 convolutions only, any padding.
     *
     * <p>Error against the reference (inputs in [-1, 1], He-initialised weights): at most 4.1e-5 on
     * the cases of {@code WinogradWidthTest} (c130 k130 56x56, outputs up to 4.2: 1e-5 of the output
     * scale), where the direct convolution's is at most 7.6e-6; 1.1e-5 to 2.5e-5 on ResNet's 3x3
     * shapes ({@code WinogradTimings}, 4e-6 to 6e-6 of the largest output) against 1.8e-6 to 3.6e-6.
     * So within the 1e-4 op tolerance of the conformance suite; whole ResNet-50 and ResNet-56 logits
     * move by 4e-7 and 5e-7 of the largest logit.
     */
    WINOGRAD_4X4,
    /**
     * A grouped convolution with at most a block's width of channels per group, as many in as out
     * (see {@link GroupedConvPlan}): lane rearrangements instead of the block-diagonal panels of
     * {@link #IMPLICIT_GEMM}, which multiply {@code L / g} times as much.
     */
    GROUPED_LANES;

    /**
     * The widest group {@link #GROUPED_LANES} takes. One thread, 512 bits, ResNeXt-50's grouped 3x3
     * layers ({@code CpuTimings 15 grouped}, 2026-12-01): 4 channels per group 2.7x faster than the
     * implicit GEMM, 8 channels 1.6-1.7x, 16 channels 0.8-1.1x (left to the GEMM, which wastes nothing there).
     */
    static final int MAX_LANE_GROUP = 8;

    /**
     * Winograd for dense 3x3 stride-1 convolutions where the setting allows it; with the default setting
     * only where {@link #winogradPays} says so. {@code panelRows} is the GEMM micro-tile's rows
     * ({@link CpuKernels#panelRows()}), the granularity in which tiles are computed.
     */
    static ConvAlgorithm choose(PlanOp.Conv conv, Shape in, Shape out, int lanes, int panelRows,
                                CpuSettings.Winograd setting) {
        boolean eligible = conv.groups() == 1 && conv.kernelH() == 3 && conv.kernelW() == 3 && conv.strideH() == 1 && conv.strideW() == 1
                && in.rank() == 4 && out.rank() == 4;
        boolean wanted = switch (setting) {
            case OFF -> false;
            case WHERE_FASTER -> eligible && winogradPays(in, out, panelRows);
            case ALWAYS -> true;
        };
        if (in.rank() == 4 && GroupedConvPlan.applies(conv, lanes) && conv.groupInChannels() <= MAX_LANE_GROUP) {
            return GROUPED_LANES;
        }
        return eligible && wanted ? WINOGRAD_4X4 : IMPLICIT_GEMM;
    }

    /**
     * Where Winograd measured faster than the direct convolution (one thread, 512 bits, 12-row
     * panels, 2 MB L2; {@code WinogradTimings} on main 746bc78 + this branch, 2026-12-01), all of:
     * <ul>
     *   <li>At least 16 input channels. Below that the GEMM depth is mostly padding (13 of 16 lanes
     *       for 3 channels) while the direct convolution stages a stem's few channels compactly:
     *       c3 k16 32x32 ran at 0.66-0.85x, c3 k64 56x56 at 0.80x; c8 at 1.0-1.6x (left direct);
     *       c16 k16 32x32 at 1.5-1.9x.</li>
     *   <li>Fewer multiplies: 36 per tile, tiles rounded up to whole panels, at most 3/4 of the
     *       direct convolution's 9 per output pixel. This drops images of 1, 2 and 5 pixels a side
     *       and lone tiles: c64 k64 1x1 ran at 0.24x, 2x2 at 0.22x, 4x4 at 0.47x (batch 1), 0.81x
     *       (2), 0.97x (3) and 1.36x (batch 4, exactly 3/4: taken); c64 k64 8x8 at batch 1 (also 3/4)
     *       at 1.3-1.5x.</li>
     *   <li>Transformed weights reused: at least {@link #MIN_TILES_STREAMED_WEIGHTS} tiles, unless
     *       they take at most 1 MiB ({@code 36 x C x K} floats, so they stay in L2). Otherwise each of
     *       them (4x the direct convolution's weights) comes from L3 or memory for a few GEMM rows:
     *       c512 k512 7x7 (37.7 MB) ran at 0.6x at batch 1 (4 tiles), 1.0x at 2, 1.1x at 3, 1.0-1.1x
     *       at 4 and 1.25x at 8; c256 k256 14x14 (16 tiles) at 1.4x. Those are one layer timed
     *       alone, its weights warm in L3; see the threshold for what the whole network says.</li>
     * </ul>
     * ResNet-50's 3x3 stride-1 layers at batch 1, one layer alone (three final runs): 56x56 2.5-2.7x,
     * 28x28 1.9-2.0x, 14x14 1.3-1.4x (direct in the network, see the threshold), 7x7 left direct
     * (0.54-0.59x); CIFAR ResNet's 32x32 (16 channels) 2.1-2.8x,
     * 16x16 2.0-2.3x, 8x8 1.3-1.4x. Whole networks, batch 1, one thread: ResNet-50 1.25x, CIFAR
     * ResNet-56 1.5x ({@code WinogradTimings 15 1 nets}).
     */
    /**
     * The fewest output tiles over which Winograd's transformed weights, when they do not fit in L2,
     * are worth streaming: each weight read feeds one FMA per tile row, so fewer tiles leave the
     * layer waiting on memory while the direct convolution, a quarter of the weights for 9/4 of the
     * FMAs, stays compute-bound. In a whole ResNet-50 run, where every layer's weights come from
     * memory, on Zen 5 (full 512-bit FMA, 2026-12-02; {@code WinogradTimings 21 <batch> nets} changed for
     * the run to compile one model at this threshold and one at 16): batch 1 3-4% faster with the 14x14 layers (16 tiles) direct, batch 2
     * 2-3% (14x14 at 32 tiles), batch 8 3-7% (7x7 at 32 tiles); moving the threshold past 49 (the
     * 28x28 layers at batch 1) gave those gains back, past 128 (14x14 at batch 8) lost 1-4%. On the
     * Intel machine of 2026-12-02, whose FMA peak is half Zen 5's, the 14x14 layers at batch 1 had
     * measured 1.38 ms on Winograd against 1.61 direct: the threshold costs about 2% of a ResNet-50
     * run there.
     */
    static final int MIN_TILES_STREAMED_WEIGHTS = 48;

    static boolean winogradPays(Shape in, Shape out, int panelRows) {
        long tiles = (long) out.dim(0) * ((out.dim(2) + 3) / 4) * ((out.dim(3) + 3) / 4);
        long rows = (tiles + panelRows - 1) / panelRows * panelRows;
        long pixels = (long) out.dim(0) * out.dim(2) * out.dim(3);
        boolean fewerMultiplies = 4 * 36 * rows <= 3 * 9 * pixels;
        boolean weightsReused = tiles >= MIN_TILES_STREAMED_WEIGHTS || 36L * in.c() * out.c() * Float.BYTES <= 1 << 20;
        return in.c() >= 16 && fewerMultiplies && weightsReused;
    }
}
