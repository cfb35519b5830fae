package io.jresnet.cpu;

/** A max pool in the blocked layout. Items are output rows {@code (image, block, oy)}. */
record PoolPlan(String name, Blocked in, Blocked out, int kernelH, int kernelW, int strideH, int strideW,
                int padTop, int padLeft) {
    int items() {
        return out.n() * out.blocks() * out.h();
    }
}
