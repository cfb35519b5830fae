package io.jresnet.models.data;

import io.jresnet.train.data.Dataset;
import io.jresnet.FormatException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format of MNIST and Fashion-MNIST: a big-endian header (two zero bytes, a type byte,
 * a rank byte, then one 32-bit size per dimension) followed by the data. Images are unsigned bytes
 * of rank 3 ({@code 0x00000803}), labels of rank 1 ({@code 0x00000801}). Files may be gzipped
 * (detected by the gzip magic, not by the name).
 */
public final class Idx {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;
    /** Larger than any real image side; a bigger header value is a corrupt file, not a big image. */
    static final int MAX_SIDE = 1 << 14;

    private Idx() {}

    /**
     * {@return a single-channel data set from matching image and label files}
     *
     * @param images the images file (rank 3, unsigned bytes), plain or gzipped
     * @param labels the labels file (rank 1), plain or gzipped
     * @param name the data set's name, for messages
     * @param classes the number of classes; every label must be below it
     * @throws io.jresnet.FormatException naming the file when a file is missing, truncated or corrupt
     */
    public static Dataset read(Path images, Path labels, String name, int classes) {
        Images im = readImages(images);
        int[] lab = readLabels(labels);
        if (lab.length != im.count) {
            throw FormatException.in(labels, lab.length + " labels for the " + im.count + " images of " + images);
        }
        for (int i = 0; i < lab.length; i++) {
            if (lab[i] >= classes) {
                throw FormatException.in(labels, "label " + lab[i] + " of item " + i + " is outside [0, " + classes + ")");
            }
        }
        return new Dataset(name, im.pixels, lab, 1, im.rows, im.cols, classes);
    }

    /**
     * Fashion-MNIST (or MNIST) from a directory holding {@code train-images-idx3-ubyte[.gz]},
     * {@code train-labels-idx1-ubyte[.gz]}, {@code t10k-images-idx3-ubyte[.gz]},
     * {@code t10k-labels-idx1-ubyte[.gz]}.
     *
     * @param dir the directory
     * @param train true for the training split (train-*), false for the test split (t10k-*)
     * @return the data set
     * @throws io.jresnet.FormatException naming the file when a file is missing, truncated or corrupt
     */
    public static Dataset fromDirectory(Path dir, boolean train) {
        String prefix = train ? "train" : "t10k";
        return read(find(dir, prefix + "-images-idx3-ubyte"), find(dir, prefix + "-labels-idx1-ubyte"),
                dir.getFileName() + "/" + prefix, 10);
    }

    private static Path find(Path dir, String stem) {
        for (String name : new String[] {stem, stem + ".gz"}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        throw FormatException.in(dir, "neither " + stem + " nor " + stem + ".gz is there");
    }

    record Images(int count, int rows, int cols, byte[] pixels) {}

    static Images readImages(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) throw badMagic(file, magic, IMAGES_MAGIC, "images");
            int count = in.readInt(), rows = in.readInt(), cols = in.readInt();
            if (count < 0 || rows < 1 || cols < 1 || rows > MAX_SIDE || cols > MAX_SIDE
                    || (long) count * rows * cols > Integer.MAX_VALUE - 8) {
                throw FormatException.in(file, "absurd image dimensions " + count + " x " + rows + " x " + cols);
            }
            byte[] pixels = readExactly(in, file, count * rows * cols);
            return new Images(count, rows, cols, pixels);
        } catch (EOFException e) {
            throw FormatException.in(file, "truncated inside the header");
        } catch (ZipException e) {
            throw FormatException.in(file, "corrupt gzip data: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    static int[] readLabels(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) throw badMagic(file, magic, LABELS_MAGIC, "labels");
            int count = in.readInt();
            if (count < 0 || count > Integer.MAX_VALUE - 8) throw FormatException.in(file, "absurd label count " + count);
            byte[] raw = readExactly(in, file, count);
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) labels[i] = raw[i] & 0xff;
            return labels;
        } catch (EOFException e) {
            throw FormatException.in(file, "truncated inside the header");
        } catch (ZipException e) {
            throw FormatException.in(file, "corrupt gzip data: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads exactly {@code n} bytes and checks nothing follows. {@code readNBytes} grows its buffer as
     * data arrives, so a header that lies about the size cannot make us allocate more than the file holds.
     */
    private static byte[] readExactly(InputStream in, Path file, int n) throws IOException {
        byte[] data;
        try {
            data = in.readNBytes(n);
        } catch (EOFException e) {
            throw FormatException.in(file, "truncated: the compressed stream ends inside the " + n + " data bytes");
        }
        if (data.length < n) {
            throw FormatException.in(file, "truncated: the header promises " + n + " data bytes, the file has "
                    + data.length);
        }
        if (in.read() >= 0) throw FormatException.in(file, "has data after the " + n + " bytes the header declares");
        return data;
    }

    private static FormatException badMagic(Path file, int found, int expected, String what) {
        return FormatException.in(file, String.format("not an IDX %s file: magic 0x%08x, expected 0x%08x", what, found,
                expected));
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read(), b1 = raw.read();
        raw.reset();
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
    }
}
