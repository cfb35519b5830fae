package io.jresnet.cpu;

import io.jresnet.tensor.Shape;

/**
 * Geometry of a value in the blocked channel layout {@code NCHW[L]c}: channels are grouped in blocks
 * of {@code lanes} (one vector), so element {@code (n, c, y, x)} lives at
 * {@code (n * blocks + c / lanes) * blockStride + (y * w + x) * lanes + c % lanes}. The last block is
 * padded when {@code c} is not a multiple of {@code lanes}; padding lanes hold unspecified values and
 * are never read into a result. With {@code lanes == 1} this is plain NCHW.
 *
 * <p>{@link #blockStride()} is {@code h * w * lanes} rounded up to an odd number of 64-byte cache
 * lines (for blocks above one line). Unpadded, a 56x56x8 block is 100352 bytes, 2048 mod 4096, so a
 * 1x1 conv tile reading the same pixels of 32 blocks maps them onto two L1 set positions of an
 * 8-way L1; with an odd number of lines between blocks they spread over all sets. (An A/B timing on
 * the shared 2-core build machine was lost in noise, so this rests on the cache arithmetic.) The gap
 * between blocks is never read as data.
 *
 * <p>Any value is viewed as {@code [n, c, h, w]}: rank 2 {@code [N, C]} as {@code [N, C, 1, 1]},
 * higher ranks fold the trailing dimensions into {@code w}.
 */
record Blocked(int n, int c, int h, int w, int lanes) {

    static Blocked of(Shape s, int lanes) {
        int n = s.rank() > 0 ? s.dim(0) : 1;
        int c = s.rank() > 1 ? s.dim(1) : 1;
        int h = s.rank() > 2 ? s.dim(2) : 1;
        int w = 1;
        for (int i = 3; i < s.rank(); i++) w = Math.multiplyExact(w, s.dim(i));
        return new Blocked(n, c, h, w, lanes);
    }

    int blocks() {
        return (c + lanes - 1) / lanes;
    }

    int spatial() {
        return h * w;
    }

    /** Floats between consecutive channel blocks of one image. */
    int blockStride() {
        int floats = h * w * lanes;
        if (floats <= LINE_FLOATS) return floats;
        int lines = (floats + LINE_FLOATS - 1) / LINE_FLOATS;
        if (lines % 2 == 0) lines++;
        return lines * LINE_FLOATS;
    }

    /** Floats in a 64-byte cache line. */
    static final int LINE_FLOATS = 16;

    /** Floats between consecutive images. */
    int imageStride() {
        return blocks() * blockStride();
    }

    /** Floats the whole value takes in this layout (padding included). */
    long floats() {
        return (long) n * imageStride();
    }

    /** Same [n, c, h, w] view, so blocked data can be reinterpreted without a copy. */
    boolean sameView(Blocked o) {
        return n == o.n && c == o.c && h == o.h && w == o.w && lanes == o.lanes;
    }
}
