package io.jresnet.train.data;

import io.jresnet.JResnetException;
import java.util.Arrays;

/**
 * Labelled images held compactly as 8-bit pixels, {@code [count, channels, height, width]} (NCHW),
 * as the IDX and CIFAR binary formats store them. Conversion to float happens per mini-batch in
 * {@link DataLoader}. Immutable after construction (the arrays are held, not copied: do not change
 * them), so safe to share between threads.
 */
public final class Dataset {
    private final String name;
    private final byte[] pixels;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final int classes;

    /**
     * A data set over these arrays, which are held, not copied.
     *
     * @param name a name for messages, e.g. {@code fashion-mnist/train}
     * @param pixels {@code count * channels * height * width} bytes, 0..255, NCHW
     * @param labels one class per image, each in [0, classes)
     * @param channels image channels
     * @param height image height in pixels
     * @param width image width in pixels
     * @param classes the number of classes
     * @throws io.jresnet.JResnetException if the sizes disagree or a label is out of range
     */
    public Dataset(String name, byte[] pixels, int[] labels, int channels, int height, int width, int classes) {
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new JResnetException("data set " + name + ": " + labels.length + " images of " + channels + "x" + height
                    + "x" + width + " need " + expected + " bytes, found " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new JResnetException("data set " + name + ": label " + labels[i] + " of image " + i
                        + " is outside [0, " + classes + ")");
            }
        }
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classes = classes;
    }

    /** {@return the name, for messages} */
    public String name() { return name; }

    /** {@return the number of images} */
    public int size() { return labels.length; }

    /** {@return the image channels} */
    public int channels() { return channels; }

    /** {@return the image height in pixels} */
    public int height() { return height; }

    /** {@return the image width in pixels} */
    public int width() { return width; }

    /** {@return the number of classes} */
    public int classes() { return classes; }

    /** {@return the values per image: channels x height x width} */
    public int imageSize() { return channels * height * width; }

    /**
     * {@return the label of an image}
     *
     * @param index the image, from 0
     */
    public int label(int index) {
        return labels[index];
    }

    /**
     * {@return pixel {@code (c, y, x)} of image {@code index}, 0..255}
     *
     * @param index the image, from 0
     * @param c the channel
     * @param y the row
     * @param x the column
     */
    public int pixel(int index, int c, int y, int x) {
        return pixels[((index * channels + c) * height + y) * width + x] & 0xff;
    }

    /** The raw pixel array (shared, not copied). */
    byte[] pixels() {
        return pixels;
    }

    /**
     * {@return images {@code [from, from + count)} as a new data set (copied)}
     *
     * @param from the first image
     * @param count how many
     * @throws io.jresnet.JResnetException if the range is outside the data set
     */
    public Dataset subset(int from, int count) {
        if (from < 0 || count < 0 || from + count > size()) {
            throw new JResnetException("data set " + name + ": subset [" + from + ", " + (from + count) + ") of "
                    + size() + " images");
        }
        int item = imageSize();
        return new Dataset(name + "[" + from + ":" + (from + count) + "]",
                Arrays.copyOfRange(pixels, from * item, (from + count) * item),
                Arrays.copyOfRange(labels, from, from + count), channels, height, width, classes);
    }

    /** {@return the number of images per class, indexed by label} */
    public int[] classCounts() {
        int[] counts = new int[classes];
        for (int l : labels) counts[l]++;
        return counts;
    }

    @Override
    public String toString() {
        return name + " (" + size() + " images, " + channels + "x" + height + "x" + width + ", " + classes + " classes)";
    }
}
