package io.jresnet.cpu;

import io.jresnet.tensor.Shape;

/**
 * Geometry of a value in the blocked channel layout {@code NCHW[L]c}: channels are grouped in blocks
 * of {@code lanes} (one vector), so element {@code (n, c, y, x)} lives at
 * {@code ((n * blocks + c / lanes) * h * w + y * w + x) * lanes + c % lanes}. The last block is
 * padded when {@code c} is not a multiple of {@code lanes}; padding lanes hold unspecified values and
 * are never read into a result. With {@code lanes == 1} this is plain NCHW.
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
        return h * w * lanes;
    }

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
