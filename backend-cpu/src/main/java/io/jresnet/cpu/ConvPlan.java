package io.jresnet.cpu;

import io.jresnet.UnsupportedLayerException;
import io.jresnet.plan.PlanOp;
import io.jresnet.tensor.Shape;

/**
 * A convolution prepared as an implicit GEMM over the blocked layout:
 * {@code Y[q, k] = bias[k] + sum_d X'[q, d] * W'[d, k]}, where a row {@code q} is an output pixel
 * (all images folded together, {@code q = image * P + pixel}), a column {@code k} an output channel,
 * and the depth {@code d} runs over (input channel block {@code cb}, kernel row {@code r}, kernel
 * column {@code s}, channel {@code ci} in the block). {@code X'} is never materialised: a depth
 * <em>segment</em> {@code (cb, r, s)} of a row is {@code cn(cb)} contiguous floats of the blocked
 * input (or the zero block for padding), which the micro-kernel reads in place.
 *
 * <p>Depth is compact: a segment holds only the real channels of its block, so the 3-channel input
 * of a stem convolution is not padded to a whole vector. Segment {@code (cb, r, s)} starts at depth
 * {@link #depthOf}{@code = cb * R * S * L + (r * S + s) * cn(cb)} (only the last block is partial).
 *
 * <p>Packed weights: output channels in groups of {@link #tileBlocks} blocks (one micro-tile's
 * columns); {@code weights[(g * depthStride + d) * tileBlocks * L + j] = W[g * tileBlocks * L + j,
 * d]}, zero for padding channels and for the depths past {@code depth} that round it up to whole
 * vectors ({@link #depthStride}). One group's panel is contiguous, and so is any depth range of it.
 *
 * <p>Chunk boundaries never fall inside the partial block's segments, so every chunk starts at a
 * depth that is a multiple of L: a chunk of whole segments is packed segment by segment, one that
 * holds partial segments is packed flat (compact depth, zero-padded to whole vectors).
 *
 * <p>A grouped convolution ({@link #convGroups} > 1, a ResNeXt's 3x3 layer) runs the same kernel
 * per column tile over only the input channel blocks that tile's output channels read
 * ({@link #tileSegmentFrom}, {@link #tileSegmentTo}): its weight panel is the tile's rows of the
 * block-diagonal weight, zero where an input channel belongs to another group. Where a group is
 * narrower than a vector (4 channels at 16 lanes) the zeros cost multiplies (a 1-block tile then
 * computes 16 depths per window position for 4 real ones), but the tile stays the fast micro-kernel;
 * ResNeXt-50's grouped layers are 5% of its multiply-adds, so 2-4x on them is cheaper than a slower
 * kernel would be. A group's depth is never chunked; a tile's panel is packed once per pixel panel
 * and reused by the next tile when it reads the same blocks.
 *
 * <p>Work is split into items {@code (row block, column block)}. An item walks the depth in
 * {@link #chunks()} of at most {@link #CHUNK_DEPTH} (whole segments), so the weight block it sweeps
 * ({@code chunk x up to BLOCK_CHANNELS} floats, at most 320 KB) stays in L2 while each 6-pixel row
 * panel (its input segments, at most 15 KB) stays in L1. Layers with a shallow depth (most of
 * ResNet-50's) are a single chunk, so each output is written once.
 */
final class ConvPlan {
    /** Output channel blocks per register tile (its columns: 2 vectors), unless {@link #tileBlocks} says 1. */
    static final int TILE_BLOCKS = 2;
    /** Most depths per chunk: a 3x3 conv over 64 channels (576) is one chunk. */
    static final int CHUNK_DEPTH = 640;
    /** Output channels per column block: 128 x 640 floats of weights = 320 KB. */
    static final int BLOCK_CHANNELS = 128;
    /** Most output pixels per row block, so a multi-chunk item's outputs stay in L2 between chunks. */
    static final int BLOCK_PIXELS = 192;

    final String name;
    /** Output pixels per register tile ({@link #tilePixels}). */
    final int tilePixels;
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
    /**
     * Output channel blocks per register tile: {@link #TILE_BLOCKS}, or 1 for a 16-channel output at
     * 16 lanes (the first stage of the CIFAR ResNets), where a second block would be all padding
     * and half of every FMA wasted ({@link VectorTileKernel#multiplyOneBlock}).
     */
    final int tileBlocks;
    /** Output channel groups of {@link #tileBlocks} blocks (column tiles; not the convolution's groups). */
    final int groups;
    /** The convolution's groups ({@code G} of {@link PlanOp.Conv}): 1 for a dense convolution. */
    final int convGroups;
    /**
     * Column tile {@code g} reads segments {@code [tileSegmentFrom[g], tileSegmentTo[g])}: every
     * segment for a dense convolution, the input blocks its groups read for a grouped one.
     */
    final int[] tileSegmentFrom;
    final int[] tileSegmentTo;
    /**
     * Where column tile {@code g}'s weight panel starts in {@link #weights}: row {@code d} (depth
     * {@code depthOf(tileSegmentFrom[g]) + d}) at {@code tileWeightOffset[g] + d * tileWidth()}.
     */
    final int[] tileWeightOffset;
    /** The most vectors of depth one packed panel holds: a chunk's, or a grouped tile's. */
    final int panelVectors;
    /** Total depth: real input channels x R x S. */
    final int depth;
    /** {@link #depth} rounded up to whole vectors: the rows of one group's weight panel. */
    final int depthStride;
    /** The first segment of a partial channel block, or {@link #segments} when every block is full. */
    final int partialFrom;
    /** Segments {@code (cb, r, s)}: {@code in.blocks() x R x S}. */
    final int segments;
    /** Chunk {@code i} covers segments {@code [chunkStart[i], chunkStart[i + 1])}. */
    final int[] chunkStart;
    /**
     * Whether the input is staged ({@link #staged}): one partial channel block (a stem convolution
     * over 3 channels) and a single chunk. Such an input is copied, a band of rows at a time, into a
     * compact row-major buffer with the padding written out ({@code cn} floats per pixel, rows of
     * {@link #stagedRowFloats}), in which the depths of one kernel row of one output pixel are
     * contiguous; each panel vector is then 1-3 loads from that buffer blended together, instead of
     * a vector copy per window position into a staging row that is read back across the copies.
     */
    final boolean staged;
    /**
     * Whether a {@link #staged} convolution multiplies its windows where they lie in the staged rows
     * ({@link VectorTileKernel#multiplyWindows12}) instead of assembling panels: at 16 lanes with
     * two-block tiles, the shapes those kernels have.
     */
    final boolean windowsInPlace;
    /** Whether the kernel reads the input in place: a stride-1 1x1 convolution without padding. */
    final boolean inPlace;
    /**
     * Whether the input is read in plain NCHW order rather than blocked: a staged convolution that
     * reads the network's input, which then needs no conversion to the blocked layout (for an
     * ImageNet stem, 150,528 floats spread over 802,816).
     */
    final boolean plainInput;
    /** Floats per row of the staged buffer: {@code ((OW - 1) * strideW + S) * cn}. */
    final int stagedRowFloats;
    /**
     * Pieces of each depth segment in the staged buffer: segment {@code g} is pieces
     * {@code [pieceStart[g], pieceStart[g + 1])}; piece {@code k} loads a vector at
     * {@code pixelBase + pieceOffset[k]} and keeps the lanes set in {@code pieceMask[k * L ..]}.
     */
    final int[] pieceStart;
    final int[] pieceOffset;
    final boolean[] pieceMask;
    /** Output pixels of all images: the GEMM's rows. */
    final int rows;
    final int rowBlocks;
    final int columnBlocks;

    private ConvPlan(PlanOp.Conv c, Blocked in, Blocked out, float[] weights, float[] bias, int tileBlocks, int groups,
                     int depthStride, int threads, boolean plainInput, int[] tileSegmentFrom, int[] tileSegmentTo,
                     int[] tileWeightOffset) {
        this.name = c.name();
        this.tilePixels = tilePixels(in.lanes());
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
        this.tileBlocks = tileBlocks;
        this.groups = groups;
        this.convGroups = c.groups();
        this.tileSegmentFrom = tileSegmentFrom;
        this.tileSegmentTo = tileSegmentTo;
        this.tileWeightOffset = tileWeightOffset;
        this.depth = in.c() * kernelH * kernelW;
        this.depthStride = depthStride;
        this.segments = in.blocks() * kernelH * kernelW;
        this.partialFrom = in.c() % in.lanes() == 0 ? segments : (in.blocks() - 1) * kernelH * kernelW;
        int chunks = (depth + CHUNK_DEPTH - 1) / CHUNK_DEPTH;
        int[] starts = new int[chunks + 1];
        for (int i = 0; i <= chunks; i++) starts[i] = i == chunks ? segments : Math.min(partialFrom, segments * i / chunks);
        this.chunkStart = java.util.Arrays.stream(starts).distinct().toArray();
        this.rows = out.n() * out.spatial();
        this.staged = stages(in.c(), in.lanes()) && chunks() == 1 && convGroups == 1;
        int most = 0;
        if (convGroups == 1) {
            for (int i = 0; i < chunks(); i++) most = Math.max(most, chunkStart[i + 1] - chunkStart[i]);
        } else {
            for (int g = 0; g < groups; g++) most = Math.max(most, tileSegmentTo[g] - tileSegmentFrom[g]);
        }
        this.panelVectors = most;
        this.inPlace = kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0;
        this.plainInput = plainInput && staged;
        this.windowsInPlace = staged && in.lanes() == 16 && tilePixels == 12 && tileBlocks == 2;
        int cn = in.c(), L = in.lanes(), kernelRow = kernelW * cn;
        this.stagedRowFloats = ((out.w() - 1) * strideW + kernelW) * cn;
        int segs = staged ? (depth + L - 1) / L : 0;
        int[] pieceStarts = new int[segs + 1];
        java.util.List<Integer> offsets = new java.util.ArrayList<>();
        java.util.List<Integer> lanesFrom = new java.util.ArrayList<>(), lanesTo = new java.util.ArrayList<>();
        for (int g = 0; g < segs; g++) {
            pieceStarts[g] = offsets.size();
            // Depths g*L + e for the lanes e, cut where a kernel row ends; depths past the last are not loaded (zero).
            for (int e = 0; e < L && g * L + e < depth; ) {
                int d = g * L + e, r = d / kernelRow, col = d % kernelRow;
                int lanes = Math.min(Math.min(L - e, kernelRow - col), depth - d);
                offsets.add(r * stagedRowFloats + col - e);
                lanesFrom.add(e);
                lanesTo.add(e + lanes);
                e += lanes;
            }
        }
        pieceStarts[segs] = offsets.size();
        this.pieceStart = pieceStarts;
        this.pieceOffset = offsets.stream().mapToInt(Integer::intValue).toArray();
        this.pieceMask = new boolean[offsets.size() * L];
        for (int k = 0; k < offsets.size(); k++) {
            for (int e = lanesFrom.get(k); e < lanesTo.get(k); e++) pieceMask[k * L + e] = true;
        }
        int[] split = split(rows, rowPanels(), groups, tileBlocks * in.lanes(), threads);
        this.rowBlocks = split[0];
        this.columnBlocks = split[1];
    }

    static ConvPlan create(PlanOp.Conv c, Shape inShape, Shape outShape, int lanes, int threads) {
        return create(c, inShape, outShape, lanes, threads, false);
    }

    /**
     * With {@code plainInput}, a {@link #staged} convolution reads its input in plain NCHW order
     * ({@link #plainInput}); other convolutions ignore it.
     */
    static ConvPlan create(PlanOp.Conv c, Shape inShape, Shape outShape, int lanes, int threads, boolean plainInput) {
        if (inShape.rank() != 4 || outShape.rank() != 4) {
            throw new UnsupportedLayerException(c.name() + ": convolution needs NCHW input and output, found "
                    + inShape + " -> " + outShape);
        }
        if (inShape.c() != c.inChannels() || outShape.c() != c.outChannels()) {
            throw new UnsupportedLayerException(c.name() + ": weight " + c.weight().shape() + " does not match input "
                    + inShape + " and output " + outShape + " in " + c.groups() + " group(s)");
        }
        Blocked in = Blocked.of(inShape, lanes);
        Blocked out = Blocked.of(outShape, lanes);
        if (c.groups() > 1) return createGrouped(c, in, out, lanes, threads);
        int k = c.outChannels(), ch = c.inChannels(), r = c.kernelH(), s = c.kernelW();
        int tileBlocks = tileBlocks(lanes, out.blocks());
        int groups = (out.blocks() + tileBlocks - 1) / tileBlocks;
        int width = tileBlocks * lanes, depth = ch * r * s, depthStride = (depth + lanes - 1) / lanes * lanes;
        float[] packed = new float[Math.toIntExact((long) groups * depthStride * width)];
        float[] w = c.weight().array();
        int wOff = c.weight().offset();
        for (int o = 0; o < k; o++) {
            int g = o / width, j = o % width;
            for (int ci = 0; ci < ch; ci++) {
                int cb = ci / lanes, cn = Math.min(lanes, ch - cb * lanes);
                for (int y = 0; y < r; y++) {
                    for (int x = 0; x < s; x++) {
                        int d = cb * r * s * lanes + (y * s + x) * cn + ci % lanes;
                        packed[(g * depthStride + d) * width + j] = w[wOff + ((o * ch + ci) * r + y) * s + x];
                    }
                }
            }
        }
        int segments = in.blocks() * r * s;
        int[] from = new int[groups], to = new int[groups], offset = new int[groups];
        for (int g = 0; g < groups; g++) {
            to[g] = segments;
            offset[g] = g * depthStride * width;
        }
        return new ConvPlan(c, in, out, packed, bias(c, groups * width), tileBlocks, groups, depthStride, threads,
                plainInput, from, to, offset);
    }

    /** The folded bias, zero-padded to {@code floats}. */
    private static float[] bias(PlanOp.Conv c, int floats) {
        float[] bias = new float[floats];
        if (c.bias() != null) System.arraycopy(c.bias().array(), c.bias().offset(), bias, 0, c.outChannels());
        return bias;
    }

    /**
     * A grouped convolution: each column tile's panel covers the input channel blocks holding the
     * groups of its output channels, {@code W'[d, j] = W[o, ci - G(o) * C/G, r, s]} where input
     * channel {@code ci} is in output channel {@code o}'s group {@code G(o)}, zero elsewhere. A
     * 16-lane tile of one block when a group has fewer than two blocks' worth of output channels, so
     * a tile reads as few input blocks as its groups allow.
     */
    private static ConvPlan createGrouped(PlanOp.Conv c, Blocked in, Blocked out, int lanes, int threads) {
        int k = c.outChannels(), ch = c.inChannels(), r = c.kernelH(), s = c.kernelW(), rs = r * s;
        int cg = c.groupInChannels(), kg = c.groupOutChannels();
        int tileBlocks = lanes >= 16 && kg < 2 * lanes ? 1 : tileBlocks(lanes, out.blocks());
        int width = tileBlocks * lanes, groups = (out.blocks() + tileBlocks - 1) / tileBlocks;
        int[] from = new int[groups], to = new int[groups], offset = new int[groups], rows = new int[groups];
        long floats = 0;
        for (int g = 0; g < groups; g++) {
            int o0 = g * width, o1 = Math.min(k, o0 + width);
            int ci0 = o0 / kg * cg, ci1 = ((o1 - 1) / kg + 1) * cg;
            int cb0 = ci0 / lanes, cb1 = (ci1 + lanes - 1) / lanes;
            from[g] = cb0 * rs;
            to[g] = cb1 * rs;
            // Compact depth: only the input's last block may be partial.
            int depth = 0;
            for (int cb = cb0; cb < cb1; cb++) depth += rs * Math.min(lanes, ch - cb * lanes);
            rows[g] = (depth + lanes - 1) / lanes * lanes;
            offset[g] = Math.toIntExact(floats);
            floats += (long) rows[g] * width;
        }
        float[] packed = new float[Math.toIntExact(floats)];
        float[] w = c.weight().array();
        int wOff = c.weight().offset();
        for (int o = 0; o < k; o++) {
            int g = o / width, j = o % width, group = o / kg;
            int base = from[g] / rs;
            for (int ci = group * cg; ci < (group + 1) * cg; ci++) {
                int cb = ci / lanes, cn = Math.min(lanes, ch - cb * lanes);
                for (int y = 0; y < r; y++) {
                    for (int x = 0; x < s; x++) {
                        // Depth relative to the tile's first segment (blocks before cb are whole).
                        int d = (cb - base) * rs * lanes + (y * s + x) * cn + ci % lanes;
                        packed[offset[g] + d * width + j] = w[wOff + ((o * cg + ci - group * cg) * r + y) * s + x];
                    }
                }
            }
        }
        int depthStride = (ch * rs + lanes - 1) / lanes * lanes;
        return new ConvPlan(c, in, out, packed, bias(c, groups * width), tileBlocks, groups, depthStride, threads,
                false, from, to, offset);
    }

    /**
     * Output pixels (rows) of the register tile at a block width of {@code lanes}: the tile is
     * {@code rows x TILE_BLOCKS} vector accumulators plus the {@code TILE_BLOCKS} weight vectors and
     * one broadcast, so 6 rows (15 registers) fit AVX2's 16 and 12 rows (27) AVX-512's 32. More rows
     * also halve the weight traffic per FMA: each depth step loads the 2 weight vectors once for
     * {@code 2 x rows} FMAs, and for the wide layers those loads come from L2.
     */
    static int tilePixels(int lanes) {
        return lanes >= 16 ? 12 : 6;
    }

    /**
     * Row blocks and column blocks: {@code {r, c}}. Each item sweeps its column block's weights once
     * and packs its row block's inputs once, so a split reads the weights {@code r} times and the
     * inputs {@code c} times; it picks the pair with the least of {@code r x K + c x rows} (both
     * times the depth), scaled by the idle share of the last round of items, among pairs with
     * column blocks of at most {@link #BLOCK_CHANNELS} channels (their weight chunk stays in L2),
     * row blocks of at most {@link #BLOCK_PIXELS} pixels (a multi-chunk item's outputs stay in
     * L2), and at least two items per thread where the layer has them. The fixed 4-items-per-thread
     * split read ResNet's 7x7 layers' weights (9.4 MB for 512 channels) twice from memory for 49
     * pixels; now once, with the output channels split instead.
     */
    static int[] split(int rows, int panels, int groups, int groupWidth, int threads) {
        int groupsPerBlock = Math.max(1, BLOCK_CHANNELS / groupWidth);
        int cMin = (groups + groupsPerBlock - 1) / groupsPerBlock;
        int rMin = Math.min(panels, (rows + BLOCK_PIXELS - 1) / BLOCK_PIXELS);
        int wantItems = Math.min(2 * threads, panels * groups);
        double best = Double.POSITIVE_INFINITY;
        int[] choice = {Math.max(1, rMin), cMin};
        for (int c = cMin; c <= groups; c++) {
            // The fewest row blocks that give enough items, and up to threads - 1 more for an even count.
            int r0 = Math.max(rMin, (wantItems + c - 1) / c);
            for (int r = r0; r <= Math.min(panels, r0 + threads); r++) {
                int items = r * c;
                if (items < wantItems) continue;
                double rounds = Math.ceil((double) items / threads) * threads / items;
                double cost = ((double) r * groups * groupWidth + (double) c * rows) * rounds;
                if (cost < best) {
                    best = cost;
                    choice = new int[] {r, c};
                }
            }
        }
        return choice;
    }

    /** Whether a convolution over {@code channels} input channels is {@link #staged} at {@code lanes} lanes (one chunk aside). */
    static boolean stages(int channels, int lanes) {
        return channels < lanes;
    }

    /** See {@link #tileBlocks}: the one-block tile exists for the 12-row tile of 16 lanes. */
    static int tileBlocks(int lanes, int outBlocks) {
        return lanes >= 16 && outBlocks == 1 ? 1 : TILE_BLOCKS;
    }

    /** Floats of one output channel group: the tile's columns. */
    int tileWidth() {
        return tileBlocks * in.lanes();
    }

    /** Work items: (row block, column block), column block fastest. */
    int items() {
        return rowBlocks * columnBlocks;
    }

    int chunks() {
        return chunkStart.length - 1;
    }

    int rowPanels() {
        return (rows + tilePixels - 1) / tilePixels;
    }

    /** First output row (pixel over all images) of row block {@code b}; {@code b == rowBlocks} gives the end. */
    int rowStart(int b) {
        return Math.min(rows, rowPanels() * b / rowBlocks * tilePixels);
    }

    /** First output channel group of column block {@code b}; {@code b == columnBlocks} gives the end. */
    int groupStart(int b) {
        return groups * b / columnBlocks;
    }

    /** Real channels of input block {@code cb}. */
    int channelsOf(int cb) {
        return Math.min(in.lanes(), in.c() - cb * in.lanes());
    }

    /** Depth at which segment {@code (cb, r, s)} starts. */
    int depthOf(int cb, int r, int s) {
        return cb * kernelH * kernelW * in.lanes() + (r * kernelW + s) * channelsOf(cb);
    }

    /** Depth at which segment number {@code segment} (in {@code (cb, r, s)} order) starts. */
    int depthOf(int segment) {
        if (segment == segments) return depth;
        int rs = kernelH * kernelW;
        return depthOf(segment / rs, segment % rs / kernelW, segment % kernelW);
    }

    /** Multiply-accumulates of one run (real channels only; a grouped convolution's output reads C / G). */
    long macs() {
        return (long) out.n() * out.c() * out.spatial() * (in.c() / convGroups) * kernelH * kernelW;
    }
}
