package io.jresnet.cpu;

import io.jresnet.UnsupportedLayerException;
import io.jresnet.plan.PlanOp;
import io.jresnet.tensor.Shape;

/**
 * A stride-1 3x3 convolution prepared for {@link WinogradF4x4}: the output is cut into 4x4 tiles
 * (all images together, {@code tile = (n * tilesH + ty) * tilesW + tx}), each read from the 6x6
 * input window at {@code (4 ty - padTop, 4 tx - padLeft)}, with zeros outside the image. Any
 * padding works: it only moves the windows. Per transformed position {@code ξ} the layer is one GEMM
 * {@code M_ξ[tile, k] = sum_c V_ξ[tile, c] * U_ξ[c, k]} (Lavin and Gray 2016: the sum over input
 * channels moves into the transformed domain), rows = tiles, depth = input channels, columns = output
 * channels.
 *
 * <p>Packed weights {@code U = G g G^T}, per position in the B-panel layout of
 * {@link VectorTileKernel}: {@code weights[((ξ * groups + g) * depthStride + c) * width + j] =
 * U_ξ[c, g * width + j]}, where {@code width = blocksPerGroup * L} columns make a group, the depth is
 * the input channels rounded up to whole blocks and padding channels are zero. So the panel of one
 * (position, group) over any range of whole channel blocks is contiguous.
 *
 * <p>Work items are (tile block, column block), column block fastest, as in {@link ConvPlan}. An
 * item walks the input channels in {@link #chunks()} of at most {@link #CHUNK_CHANNELS}; per chunk it
 * sweeps {@code 36 x chunk x BLOCK_CHANNELS} transformed weights (at most 576 KB) for every panel of
 * tiles, so they should stay in L2 while a panel's transformed inputs (36 positions x chunk x
 * panel rows, 54 KB at 6 rows) are reused from L1/L2. The products of a tile block are kept until
 * the last chunk, so a multi-chunk tile block is small enough that they ({@link #BLOCK_PRODUCTS})
 * stay in L2 too.
 */
final class WinogradPlan {
    /** Most input channels per depth chunk. */
    static final int CHUNK_CHANNELS = 64;
    /** Output channels per column block. */
    static final int BLOCK_CHANNELS = 64;
    /** Most products (floats) a multi-chunk tile block keeps between chunks: 256 KB. */
    static final int BLOCK_PRODUCTS = 64 * 1024;

    private static final int XI = WinogradF4x4.POSITIONS;

    final String name;
    final Blocked in;
    final Blocked out;
    final int padTop;
    final int padLeft;
    final boolean relu;
    final float[] weights;
    /** Bias per output channel, zero-padded to whole groups. */
    final float[] bias;
    /**
     * Output channel blocks per group: {@link ConvPlan#tileBlocks}, so 1 for a 16-channel output
     * at 16 lanes ({@link VectorTileKernel#multiplyOneBlock}), where a second block would be padding.
     */
    final int blocksPerGroup;
    /** Columns of one output channel group: {@code blocksPerGroup * lanes}. */
    final int width;
    final int groups;
    /** Input channels rounded up to whole blocks: the depth of each position's GEMM. */
    final int depthStride;
    final int tilesH;
    final int tilesW;
    /** Tiles of all images: the rows of each position's GEMM. */
    final int tiles;
    /** Tiles per GEMM row panel (the micro-tile's rows); tile blocks hold whole panels. */
    final int panelTiles;
    /** Chunk {@code i} covers input channel blocks {@code [chunkStart[i], chunkStart[i + 1])}. */
    final int[] chunkStart;
    final int tileBlocks;
    final int columnBlocks;

    private WinogradPlan(String name, Blocked in, Blocked out, int padTop, int padLeft, boolean relu, float[] weights,
                         float[] bias, int blocksPerGroup, int groups, int panelTiles, int chunkChannels, int blockChannels,
                         int threads) {
        this.name = name;
        this.in = in;
        this.out = out;
        this.padTop = padTop;
        this.padLeft = padLeft;
        this.relu = relu;
        this.weights = weights;
        this.bias = bias;
        this.blocksPerGroup = blocksPerGroup;
        this.width = blocksPerGroup * in.lanes();
        this.groups = groups;
        this.depthStride = in.blocks() * in.lanes();
        this.tilesH = (out.h() + WinogradF4x4.M - 1) / WinogradF4x4.M;
        this.tilesW = (out.w() + WinogradF4x4.M - 1) / WinogradF4x4.M;
        this.tiles = Math.multiplyExact(out.n(), tilesH * tilesW);
        this.panelTiles = panelTiles;
        int chunkBlocks = Math.max(1, chunkChannels / in.lanes());
        int chunks = (in.blocks() + chunkBlocks - 1) / chunkBlocks;
        this.chunkStart = new int[chunks + 1];
        for (int i = 0; i <= chunks; i++) chunkStart[i] = in.blocks() * i / chunks;
        int groupsPerBlock = Math.max(1, blockChannels / width);
        int panels = panels(), columns = (groups + groupsPerBlock - 1) / groupsPerBlock;
        // Small images have too few panels for every thread: split the columns finer (each column
        // block transforms the input again, a small share of its GEMMs).
        if (panels * columns < threads) columns = Math.min(groups, (threads + panels - 1) / panels);
        this.columnBlocks = columns;
        // The fewest tile blocks whose products stay in L2 between chunks (any number for one chunk:
        // each panel's products are used at once), then as many more as make the item count a
        // multiple of the threads. Fewer, larger tile blocks sweep each chunk's transformed weights
        // for more panels while they are in L2.
        int mostPanels = chunks == 1 ? panels
                : Math.max(1, BLOCK_PRODUCTS / (XI * panelTiles * blockGroups() * width));
        int blocks = (panels + mostPanels - 1) / mostPanels;
        while (blocks < panels && blocks * columnBlocks % threads != 0) blocks++;
        this.tileBlocks = blocks;
    }

    static WinogradPlan create(PlanOp.Conv c, Shape inShape, Shape outShape, int lanes, int panelTiles, int threads) {
        return create(c, inShape, outShape, lanes, panelTiles, threads, CHUNK_CHANNELS, BLOCK_CHANNELS);
    }

    /** With explicit cache blocking, for measuring other choices of the two constants. */
    static WinogradPlan create(PlanOp.Conv c, Shape inShape, Shape outShape, int lanes, int panelTiles, int threads,
                               int chunkChannels, int blockChannels) {
        if (c.kernelH() != 3 || c.kernelW() != 3 || c.strideH() != 1 || c.strideW() != 1) {
            throw new UnsupportedLayerException(c.name() + ": Winograd F(4x4,3x3) needs a 3x3 stride-1 convolution, "
                    + "found " + c.kernelH() + "x" + c.kernelW() + " stride " + c.strideH() + "x" + c.strideW());
        }
        if (inShape.rank() != 4 || outShape.rank() != 4 || inShape.c() != c.inChannels()
                || outShape.c() != c.outChannels()) {
            throw new UnsupportedLayerException(c.name() + ": weight " + c.weight().shape() + " does not match input "
                    + inShape + " and output " + outShape);
        }
        Blocked in = Blocked.of(inShape, lanes), out = Blocked.of(outShape, lanes);
        int k = c.outChannels(), ch = c.inChannels();
        int blocksPerGroup = ConvPlan.tileBlocks(lanes, out.blocks()), width = blocksPerGroup * lanes;
        int groups = (out.blocks() + blocksPerGroup - 1) / blocksPerGroup;
        int depthStride = in.blocks() * lanes;
        float[] packed = new float[Math.toIntExact((long) XI * groups * depthStride * width)];
        float[] w = c.weight().array();
        double[] u = new double[XI];
        for (int o = 0; o < k; o++) {
            int g = o / width, j = o % width;
            for (int ci = 0; ci < ch; ci++) {
                WinogradF4x4.transformKernel(w, c.weight().offset() + (o * ch + ci) * 9, u);
                for (int xi = 0; xi < XI; xi++) {
                    packed[((xi * groups + g) * depthStride + ci) * width + j] = (float) u[xi];
                }
            }
        }
        float[] bias = new float[groups * width];
        if (c.bias() != null) System.arraycopy(c.bias().array(), c.bias().offset(), bias, 0, k);
        return new WinogradPlan(c.name(), in, out, c.padTop(), c.padLeft(), c.relu(), packed, bias, blocksPerGroup, groups,
                panelTiles, chunkChannels, blockChannels, threads);
    }

    /**
     * A plan for training ({@link WinogradTrainingConv}): {@code n} images of {@code c x h x w} in,
     * {@code k} channels out, padding 1, no ReLU, run by one thread. Its weights are {@code packed}
     * ({@link #packedFloats} long, zero where a channel is padding), which the caller fills, and may
     * share with other plans of the same channels; its bias is zero until the caller sets it.
     */
    static WinogradPlan forTraining(int n, int c, int k, int h, int w, int lanes, int panelTiles, float[] packed) {
        Blocked in = new Blocked(n, c, h, w, lanes), out = new Blocked(n, k, h, w, lanes);
        int blocksPerGroup = ConvPlan.tileBlocks(lanes, out.blocks());
        int groups = (out.blocks() + blocksPerGroup - 1) / blocksPerGroup;
        if (packed.length != packedFloats(c, k, lanes)) {
            throw new IllegalArgumentException("packed weights of " + packed.length + " floats for c" + c + " k" + k);
        }
        return new WinogradPlan("training c" + c + " k" + k + " " + h + "x" + w, in, out, 1, 1, false, packed,
                new float[groups * blocksPerGroup * lanes], blocksPerGroup, groups, panelTiles, CHUNK_CHANNELS,
                BLOCK_CHANNELS, 1);
    }

    /** Floats of the packed weights of a {@code c}-in, {@code k}-out layer at {@code lanes}. */
    static int packedFloats(int c, int k, int lanes) {
        int outBlocks = (k + lanes - 1) / lanes, blocksPerGroup = ConvPlan.tileBlocks(lanes, outBlocks);
        int groups = (outBlocks + blocksPerGroup - 1) / blocksPerGroup;
        return Math.toIntExact((long) XI * groups * blocksPerGroup * lanes * ((c + lanes - 1) / lanes * lanes));
    }

    /** Work items: (tile block, column block), column block fastest. */
    int items() {
        return tileBlocks * columnBlocks;
    }

    int chunks() {
        return chunkStart.length - 1;
    }

    int panels() {
        return (tiles + panelTiles - 1) / panelTiles;
    }

    /** First tile of tile block {@code b}; {@code b == tileBlocks} gives the end. */
    int tileStart(int b) {
        return Math.min(tiles, panels() * b / tileBlocks * panelTiles);
    }

    /** Most panels in one tile block. */
    int blockPanels() {
        return (panels() + tileBlocks - 1) / tileBlocks;
    }

    /** First output channel group of column block {@code b}; {@code b == columnBlocks} gives the end. */
    int groupStart(int b) {
        return groups * b / columnBlocks;
    }

    /** Most groups in one column block. */
    int blockGroups() {
        return (groups + columnBlocks - 1) / columnBlocks;
    }

    /** Most channel blocks in one chunk. */
    int chunkBlocks() {
        int most = 0;
        for (int i = 0; i < chunks(); i++) most = Math.max(most, chunkStart[i + 1] - chunkStart[i]);
        return most;
    }

    /** Real channels of input block {@code cb}. */
    int channelsOf(int cb) {
        return Math.min(in.lanes(), in.c() - cb * in.lanes());
    }

    /** Offset in {@link #weights} of position {@code xi}, group {@code g}, depth (input channel) {@code d}. */
    int weightOffset(int xi, int g, int d) {
        return ((xi * groups + g) * depthStride + d) * width;
    }

    /** Multiply-accumulates of the 36 GEMMs (real tiles and channels), for the scheduler's estimate. */
    long multiplies() {
        return (long) XI * tiles * in.c() * out.c();
    }

    /** Multiply-accumulates of the direct convolution this replaces (real channels only). */
    long macs() {
        return (long) out.n() * out.c() * out.spatial() * in.c() * 9;
    }
}
