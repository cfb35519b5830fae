package io.jresnet.train.data;

/**
 * Training-time augmentation as in He et al. for CIFAR: pad each side with {@code padding} black
 * pixels, take a random crop of the original size, and flip horizontally with probability 1/2.
 * Padding is black in raw pixel values (as torchvision's {@code RandomCrop(padding=4)} before
 * normalisation), so after normalisation it reads {@code -mean / std}.
 *
 * <p>Random erasing (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020), applied after the
 * crop and flip: with probability {@code erasing} a rectangle covering a uniformly drawn
 * {@value #ERASE_MIN_AREA}-{@value #ERASE_MAX_AREA} of the image, with an aspect ratio drawn
 * log-uniformly from [{@value #ERASE_MIN_ASPECT}, 1 / {@value #ERASE_MIN_ASPECT}], is filled with
 * uniformly random raw pixel values 0-255, the paper's defaults. A drawn rectangle that does not fit is
 * drawn again, up to {@value #ERASE_ATTEMPTS} times, and then the image is left as it is.
 *
 * @param padding pixels of padding on each side before the random crop; 0 for no cropping
 * @param horizontalFlip flip left-right with probability 1/2
 * @param erasing probability of erasing a random rectangle, 0 for none
 */
public record Augmentation(int padding, boolean horizontalFlip, double erasing) {
    /** The smallest share of the image one erased rectangle covers (the paper's s_l). */
    public static final double ERASE_MIN_AREA = 0.02;
    /** The largest share of the image one erased rectangle covers (the paper's s_h). */
    public static final double ERASE_MAX_AREA = 0.4;
    /** The smallest aspect ratio (height / width) of an erased rectangle (the paper's r_1). */
    public static final double ERASE_MIN_ASPECT = 0.3;
    /** How many rectangles are drawn before giving up on erasing an image. */
    public static final int ERASE_ATTEMPTS = 10;

    /** No augmentation: every image as it is. */
    public static final Augmentation NONE = new Augmentation(0, false);
    /** The paper's CIFAR-10 augmentation: 4-pixel padding, random crop, random flip. */
    public static final Augmentation PAD4_CROP_FLIP = new Augmentation(4, true);

    /** Checks that the padding is not negative and the erasing probability is one. */
    public Augmentation {
        if (padding < 0) throw new IllegalArgumentException("padding " + padding + " < 0");
        if (!(erasing >= 0 && erasing <= 1)) throw new IllegalArgumentException("erasing probability " + erasing
                + " is not in [0, 1]");
    }

    /**
     * Crop and flip without erasing.
     *
     * @param padding pixels of padding on each side before the random crop; 0 for no cropping
     * @param horizontalFlip flip left-right with probability 1/2
     */
    public Augmentation(int padding, boolean horizontalFlip) {
        this(padding, horizontalFlip, 0);
    }
}
