package io.jresnet.cpu;

import io.jresnet.plan.PlanOp;
import io.jresnet.tensor.Shape;

/**
 * A grouped convolution whose groups are narrower than a channel block and as wide on both sides
 * ({@code C / G == K / G == g}, {@code g} dividing the block width {@code L}): a depthwise layer
 * ({@code g = 1}) or a ResNeXt's 3x3 layer with 4 or 8 channels per group at 16 lanes. Each output
 * block then reads only the same channel block of the input, and lane {@code l} of it only lanes
 * {@code l - l % g + j}, {@code j < g}, of each input pixel vector:
 * {@code y[p, l] = bias[l] + sum_{r, s, j < g} x[p + (r, s), l - l % g + j] * W[l, j, r, s]}.
 * So per input vector the kernel does {@code g} lane rearrangements (lane {@code l} takes lane
 * {@code l - l % g + j}: {@link #shuffleSources}) and {@code g} FMAs with the weight vectors
 * {@code W[., j, r, s]}, all of them useful, where the implicit GEMM ({@link ConvPlan}) broadcasts
 * each of the L input channels against a mostly zero block-diagonal weight: {@code L / g} times the
 * FMAs. (Staging the rearranged rows once per item instead, so the inner loop is plain FMAs, measured
 * 1.1-4x slower: the staging cost more than the rearrangements it saved.)
 *
 * <p>Packed weights: {@code weights[((b * R * S + r * S + s) * g + j) * L + l] = W[b * L + l, j, r, s]},
 * zero for the padding lanes of a partial last block. Items are {@code (row block, channel block)}, a
 * row being one output row of one image ({@code n * OH + oy}).
 */
final class GroupedConvPlan {
    final String name;
    final Blocked in;
    final Blocked out;
    final int kernelH;
    final int kernelW;
    final int strideH;
    final int strideW;
    final int padTop;
    final int padLeft;
    final boolean relu;
    /** Channels per group, {@code g}: 1, 2, 4, ... up to L. */
    final int groupWidth;
    final float[] weights;
    final float[] bias;
    /** Output rows (all images) per item. */
    final int rowsPerItem;
    final int rowBlocks;
    /** Output pixels of a row per register tile of the vector kernel: 8 accumulators. */
    static final int TILE_PIXELS = 8;

    private GroupedConvPlan(PlanOp.Conv c, Blocked in, Blocked out, float[] weights, float[] bias, int threads) {
        this.name = c.name();
        this.in = in;
        this.out = out;
        this.kernelH = c.kernelH();
        this.kernelW = c.kernelW();
        this.strideH = c.strideH();
        this.strideW = c.strideW();
        this.padTop = c.padTop();
        this.padLeft = c.padLeft();
        this.relu = c.relu();
        this.groupWidth = c.groupInChannels();
        this.weights = weights;
        this.bias = bias;
        // Enough items for every thread several times over; whole rows, so each item's pixels are consecutive.
        int rows = out.n() * out.h();
        int want = Math.max(1, (4 * threads + out.blocks() - 1) / out.blocks());
        this.rowBlocks = Math.min(rows, want);
        this.rowsPerItem = (rows + rowBlocks - 1) / rowBlocks;
    }

    /** Whether {@code c} is a grouped convolution this plan computes at {@code lanes} lanes. */
    static boolean applies(PlanOp.Conv c, int lanes) {
        int g = c.groupInChannels();
        return c.groups() > 1 && g == c.groupOutChannels() && g <= lanes && lanes % g == 0;
    }

    static GroupedConvPlan create(PlanOp.Conv c, Shape inShape, Shape outShape, int lanes, int threads) {
        if (!applies(c, lanes) || inShape.rank() != 4 || outShape.rank() != 4 || inShape.c() != c.inChannels()
                || outShape.c() != c.outChannels()) {
            throw new IllegalArgumentException(c.name() + ": not a convolution of groups of at most " + lanes
                    + " channels on both sides: " + inShape + " -> " + outShape + " in " + c.groups() + " groups");
        }
        Blocked in = Blocked.of(inShape, lanes);
        Blocked out = Blocked.of(outShape, lanes);
        int k = c.outChannels(), g = c.groupInChannels(), r = c.kernelH(), s = c.kernelW(), rs = r * s;
        float[] packed = new float[Math.toIntExact((long) out.blocks() * rs * g * lanes)];
        float[] w = c.weight().array();
        int wOff = c.weight().offset();
        for (int o = 0; o < k; o++) {
            int b = o / lanes, l = o % lanes;
            for (int j = 0; j < g; j++) {
                for (int tap = 0; tap < rs; tap++) {
                    packed[((b * rs + tap) * g + j) * lanes + l] = w[wOff + (o * g + j) * rs + tap];
                }
            }
        }
        float[] bias = new float[out.blocks() * lanes];
        if (c.bias() != null) System.arraycopy(c.bias().array(), c.bias().offset(), bias, 0, k);
        return new GroupedConvPlan(c, in, out, packed, bias, threads);
    }

    /** {@return for each {@code j < g}, the source lane of each lane: {@code l - l % g + j}} */
    static int[][] shuffleSources(int groupWidth, int lanes) {
        int[][] sources = new int[groupWidth][lanes];
        for (int j = 0; j < groupWidth; j++) {
            for (int l = 0; l < lanes; l++) sources[j][l] = l - l % groupWidth + j;
        }
        return sources;
    }

    /** Work items: (row block, output channel block), channel block fastest. */
    int items() {
        return rowBlocks * out.blocks();
    }

    /** First output row (over all images) of row block {@code b}; {@code b == rowBlocks} gives the end. */
    int rowStart(int b) {
        return Math.min(out.n() * out.h(), b * rowsPerItem);
    }

    /** Multiply-accumulates of one run (real channels: {@code g} per output). */
    long macs() {
        return (long) out.n() * out.c() * out.spatial() * groupWidth * kernelH * kernelW;
    }
}
