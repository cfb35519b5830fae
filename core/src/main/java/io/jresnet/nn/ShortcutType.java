package io.jresnet.nn;

/** How a residual block carries its input to its output (He et al. 2015, sec. 3.3 and 4.1). */
public enum ShortcutType {
    /** No shortcut at all: the block is plain, {@code y = relu(F(x))}. For the degradation experiment. */
    NONE,
    /** Identity; where shape changes, stride-subsampled identity with zero-padded extra channels. */
    A,
    /** Identity; where shape changes, a 1x1 projection conv + BN (torchvision's choice). */
    B,
    /** A 1x1 projection conv + BN on every block. */
    C
}
