package io.jresnet.train.data;

import io.jresnet.JResnetException;
import java.util.Arrays;

/**
 * Labelled images held compactly as 8-bit pixels, {@code [count, channels, height, width]} (NCHW),
 * as the IDX and CIFAR binary formats store them. Conversion to float happens per mini-batch in
 * {@link DataLoader}.
 */
public final class Dataset {
    private final String name;
    private final byte[] pixels;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final int classes;

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

    public String name() { return name; }
    public int size() { return labels.length; }
    public int channels() { return channels; }
    public int height() { return height; }
    public int width() { return width; }
    public int classes() { return classes; }
    public int imageSize() { return channels * height * width; }

    public int label(int index) {
        return labels[index];
    }

    /** Pixel {@code (c, y, x)} of image {@code index}, 0..255. */
    public int pixel(int index, int c, int y, int x) {
        return pixels[((index * channels + c) * height + y) * width + x] & 0xff;
    }

    /** The raw pixel array (shared, not copied). */
    byte[] pixels() {
        return pixels;
    }

    /** Images {@code [from, from + count)} as a new data set (copied). */
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

    /** Number of images per class, indexed by label. */
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
