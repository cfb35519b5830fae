package io.jresnet.cpu;

/**
 * The option-A shortcut in the blocked layout: subsample by {@code stride}; output channel {@code k}
 * is input channel {@code k - before}, zero where there is none. Items are output rows {@code
 * (image, block, oy)}.
 */
record PadPlan(String name, Blocked in, Blocked out, int stride, int before) {
    int items() {
        return out.n() * out.blocks() * out.h();
    }

    /**
     * The rows {@code [from, to)} lane by lane, for any {@code before}: the scalar kernels' path, and
     * the vector kernels' when {@code before} is no multiple of the vector width (the channels then
     * straddle two input blocks; the op is two small copies per network, not worth a lane shuffle).
     */
    void computeLaneByLane(int lanes, float[] x, float[] y, int from, int to) {
        int L = lanes;
        for (int item = from; item < to; item++) {
            int oy = item % out.h(), cb = (item / out.h()) % out.blocks(), n = item / out.h() / out.blocks();
            int yb = n * out.imageStride() + cb * out.blockStride() + oy * out.w() * L;
            for (int l = 0; l < L; l++) {
                int c = cb * L + l - before;
                boolean real = c >= 0 && c < in.c();
                int xb = real ? n * in.imageStride() + (c / L) * in.blockStride() + oy * stride * in.w() * L + c % L : 0;
                for (int ox = 0; ox < out.w(); ox++) y[yb + ox * L + l] = real ? x[xb + ox * stride * L] : 0f;
            }
        }
    }
}
