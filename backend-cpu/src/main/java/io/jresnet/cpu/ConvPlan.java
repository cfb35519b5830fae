package io.jresnet.cpu;

import io.jresnet.UnsupportedLayerException;
import io.jresnet.plan.Op;
import io.jresnet.tensor.Shape;

/**
 * A convolution prepared for the direct kernel: geometry in the blocked layout, weights packed once
 * in the order the micro-kernel reads them, bias padded to whole tiles.
 *
 * <p>Packed weight layout, for output-channel group {@code g} (of {@link #TILE_BLOCKS} blocks),
 * input block {@code cb}, window position {@code (r, s)} and input channel {@code ci} within the block:
 * {@code weights[((((g * inBlocks + cb) * R + r) * S + s) * L + ci) * TILE_BLOCKS * L + k]} holds
 * {@code W[g * TILE_BLOCKS * L + k, cb * L + ci, r, s]}, zero where either channel is padding. The
 * micro-kernel therefore streams one contiguous panel per group.
 *
 * <p>Work is split into items {@code (image, group, pixel tile)}. For kernels with a window the items
 * are numbered group-major, so one thread's contiguous range reuses a group's weight panel (up to
 * 300 KB, kept in L2) across many tiles. For 1x1 kernels they are numbered tile-major: the weights
 * are small and each input pixel is read once per group, so sweeping every group over one tile
 * while its input is in L1 avoids streaming the whole input from L3 once per group.
 */
final class ConvPlan {
    /** Output pixels per register tile (flattened over the output plane). */
    static final int TILE_PIXELS = 6;
    /** Output channel blocks per register tile: 6 x 2 = 12 accumulators fit 16 AVX2 registers. */
    static final int TILE_BLOCKS = 2;

    final String name;
    final ConvAlgorithm algorithm;
    final Blocked in;
    final Blocked out;
    final int kernelH;
    final int kernelW;
    final int strideH;
    final int strideW;
    final int padTop;
    final int padLeft;
    final boolean relu;
    final float[] weights;
    final float[] bias;
    final int groups;
    final int tiles;
    /** Items numbered tile-major (group varies fastest) rather than group-major. */
    final boolean groupInner;

    private ConvPlan(Op.Conv c, Blocked in, Blocked out, float[] weights, float[] bias, int groups) {
        this.name = c.name();
        this.algorithm = ConvAlgorithm.choose(c);
        this.in = in;
        this.out = out;
        this.kernelH = c.kernelH();
        this.kernelW = c.kernelW();
        this.strideH = c.strideH();
        this.strideW = c.strideW();
        this.padTop = c.padTop();
        this.padLeft = c.padLeft();
        this.relu = c.relu();
        this.weights = weights;
        this.bias = bias;
        this.groups = groups;
        this.tiles = (out.spatial() + TILE_PIXELS - 1) / TILE_PIXELS;
        this.groupInner = kernelH * kernelW == 1;
    }

    int groupOf(int item) {
        return groupInner ? item % groups : (item / tiles) % groups;
    }

    int tileOf(int item) {
        return groupInner ? (item / groups) % tiles : item % tiles;
    }

    int imageOf(int item) {
        return item / tiles / groups;
    }

    static ConvPlan create(Op.Conv c, Shape inShape, Shape outShape, int lanes) {
        if (inShape.rank() != 4 || outShape.rank() != 4) {
            throw new UnsupportedLayerException(c.name() + ": convolution needs NCHW input and output, found "
                    + inShape + " -> " + outShape);
        }
        if (inShape.c() != c.inChannels() || outShape.c() != c.outChannels()) {
            throw new UnsupportedLayerException(c.name() + ": weight " + c.weight().shape() + " does not match input "
                    + inShape + " and output " + outShape + " (grouped convolutions are not supported)");
        }
        Blocked in = Blocked.of(inShape, lanes);
        Blocked out = Blocked.of(outShape, lanes);
        int k = c.outChannels(), ch = c.inChannels(), r = c.kernelH(), s = c.kernelW();
        int groups = (out.blocks() + TILE_BLOCKS - 1) / TILE_BLOCKS;
        int groupWidth = TILE_BLOCKS * lanes;
        float[] packed = new float[Math.toIntExact((long) groups * in.blocks() * r * s * lanes * groupWidth)];
        float[] w = c.weight().array();
        int wOff = c.weight().offset();
        for (int o = 0; o < k; o++) {
            int g = o / groupWidth, lane = o % groupWidth;
            for (int ci = 0; ci < ch; ci++) {
                int cb = ci / lanes, cl = ci % lanes;
                for (int y = 0; y < r; y++) {
                    for (int x = 0; x < s; x++) {
                        int dst = ((((g * in.blocks() + cb) * r + y) * s + x) * lanes + cl) * groupWidth + lane;
                        packed[dst] = w[wOff + ((o * ch + ci) * r + y) * s + x];
                    }
                }
            }
        }
        float[] bias = new float[groups * groupWidth];
        if (c.bias() != null) System.arraycopy(c.bias().array(), c.bias().offset(), bias, 0, k);
        return new ConvPlan(c, in, out, packed, bias, groups);
    }

    /** Work items: (image, output channel group, pixel tile). */
    int items() {
        return in.n() * groups * tiles;
    }

    /** Floats in the packed weight panel of one group. */
    int groupStride() {
        return in.blocks() * kernelH * kernelW * lanesSquaredTile();
    }

    private int lanesSquaredTile() {
        return in.lanes() * TILE_BLOCKS * in.lanes();
    }

    /** Multiply-accumulates of one run (real channels only). */
    long macs() {
        return (long) out.n() * out.c() * out.spatial() * in.c() * kernelH * kernelW;
    }
}
