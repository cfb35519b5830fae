package io.jresnet.cpu;

/**
 * The option-A shortcut in the blocked layout: subsample by {@code stride}, zero the channels
 * {@code >= in.c()}. Items are output rows {@code (image, block, oy)}.
 */
record PadPlan(String name, Blocked in, Blocked out, int stride) {
    int items() {
        return out.n() * out.blocks() * out.h();
    }
}
