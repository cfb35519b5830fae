package io.jresnet.models.data;

import io.jresnet.train.data.Dataset;
import io.jresnet.FormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CIFAR-10 binary format: each record is one label byte (0..9) followed by 3072 pixel bytes,
 * 1024 red, 1024 green, 1024 blue, each plane 32x32 in row-major order (so already NCHW). The
 * training set is {@code data_batch_1.bin .. data_batch_5.bin}, the test set {@code test_batch.bin}.
 */
public final class Cifar10 {
    /** Image side in pixels: {@value}. */
    public static final int SIDE = 32;
    /** Image channels (RGB): {@value}. */
    public static final int CHANNELS = 3;
    /** Classes: {@value}. */
    public static final int CLASSES = 10;
    static final int RECORD = 1 + CHANNELS * SIDE * SIDE;

    private Cifar10() {}

    /**
     * {@return the images of the given batch files, concatenated in order}
     *
     * @param files {@code .bin} batch files
     * @param name the data set's name, for messages
     * @throws io.jresnet.FormatException naming the file when a file is missing, truncated or corrupt
     */
    public static Dataset read(List<Path> files, String name) {
        try {
            List<byte[]> contents = new ArrayList<>();
            long total = 0;
            for (Path f : files) {
                byte[] data = Files.readAllBytes(f);
                if (data.length == 0 || data.length % RECORD != 0) {
                    throw FormatException.in(f, "size " + data.length + " is not a positive multiple of the " + RECORD
                            + "-byte CIFAR-10 record (truncated or not CIFAR-10 binary)");
                }
                contents.add(data);
                total += data.length / RECORD;
            }
            if (total * (RECORD - 1) > Integer.MAX_VALUE - 8) {
                throw FormatException.in(files.getFirst(), "too many images for one array: " + total);
            }
            int n = (int) total;
            byte[] pixels = new byte[n * (RECORD - 1)];
            int[] labels = new int[n];
            int at = 0;
            for (int fi = 0; fi < files.size(); fi++) {
                byte[] data = contents.get(fi);
                for (int r = 0; r < data.length / RECORD; r++, at++) {
                    int label = data[r * RECORD] & 0xff;
                    if (label >= CLASSES) {
                        throw FormatException.in(files.get(fi), "record " + r + " has label " + label + ", expected 0..9");
                    }
                    labels[at] = label;
                    System.arraycopy(data, r * RECORD + 1, pixels, at * (RECORD - 1), RECORD - 1);
                }
            }
            return new Dataset(name, pixels, labels, CHANNELS, SIDE, SIDE, CLASSES);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /**
     * {@return the training (50,000 images) or test (10,000) split from the directory {@code cifar-10-batches-bin}}
     *
     * @param dir the directory
     * @param train true for the training split
     * @throws io.jresnet.FormatException naming the file when a file is missing, truncated or corrupt
     */
    public static Dataset fromDirectory(Path dir, boolean train) {
        List<Path> files = train
                ? List.of(1, 2, 3, 4, 5).stream().map(i -> dir.resolve("data_batch_" + i + ".bin")).toList()
                : List.of(dir.resolve("test_batch.bin"));
        for (Path f : files) if (!Files.isRegularFile(f)) throw FormatException.in(f, "missing");
        return read(files, "cifar10/" + (train ? "train" : "test"));
    }
}
