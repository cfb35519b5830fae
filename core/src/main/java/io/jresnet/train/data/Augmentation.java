package io.jresnet.train.data;

/**
 * Training-time augmentation as in He et al. for CIFAR: pad each side with {@code padding} black
 * pixels, take a random crop of the original size, and flip horizontally with probability 1/2.
 * Padding is black in raw pixel values (as torchvision's {@code RandomCrop(padding=4)} before
 * normalisation), so after normalisation it reads {@code -mean / std}.
 *
 * @param padding pixels of padding on each side before the random crop; 0 for no cropping
 * @param horizontalFlip flip left-right with probability 1/2
 */
public record Augmentation(int padding, boolean horizontalFlip) {
    /** No augmentation: every image as it is. */
    public static final Augmentation NONE = new Augmentation(0, false);
    /** The paper's CIFAR-10 augmentation: 4-pixel padding, random crop, random flip. */
    public static final Augmentation PAD4_CROP_FLIP = new Augmentation(4, true);

    /** Checks that the padding is not negative. */
    public Augmentation {
        if (padding < 0) throw new IllegalArgumentException("padding " + padding + " < 0");
    }
}
