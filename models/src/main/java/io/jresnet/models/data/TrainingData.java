package io.jresnet.models.data;

import io.jresnet.JResnetException;
import io.jresnet.models.data.Cifar10;
import io.jresnet.train.data.Dataset;
import io.jresnet.models.data.Idx;
import io.jresnet.train.data.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The data sets the {@code train}, {@code evaluate} and {@code experiment} commands know by name,
 * where they live by default, and what to say when they are not there.
 */
public enum TrainingData {
    /** Fashion-MNIST: 28x28 grayscale, 10 classes, from {@code /usr/share/datasets/fashion-mnist}. */
    FASHION_MNIST("fashion-mnist", "Fashion-MNIST", Path.of("/usr/share/datasets/fashion-mnist"),
            Normalization.FASHION_MNIST,
            List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                    "Ankle boot"),
            "install it with 'apt-get install dataset-fashion-mnist' or pass --data-dir DIR"),
    /** CIFAR-10: 32x32 RGB, 10 classes, from {@code cifar-10-batches-bin}. */
    CIFAR10("cifar10", "CIFAR-10", Path.of("cifar-10-batches-bin"), Normalization.CIFAR10,
            List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
            "unpack the binary version (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html)"
                    + " and pass --data-dir DIR/cifar-10-batches-bin");

    private final String id;
    private final String title;
    private final Path defaultDir;
    private final Normalization normalization;
    private final List<String> classNames;
    private final String installHint;

    TrainingData(String id, String title, Path defaultDir, Normalization normalization, List<String> classNames,
                 String installHint) {
        this.id = id;
        this.title = title;
        this.defaultDir = defaultDir;
        this.normalization = normalization;
        this.classNames = classNames;
        this.installHint = installHint;
    }

    /**
     * {@return the data set of a command-line name}
     *
     * @param name {@code fashion-mnist} or {@code cifar10}, any case
     * @throws io.jresnet.JResnetException for another name
     */
    public static TrainingData named(String name) {
        for (TrainingData d : values()) if (d.id.equals(name.toLowerCase(Locale.ROOT))) return d;
        throw new JResnetException("unknown data set '" + name + "'; known: fashion-mnist, cifar10");
    }

    /** {@return the command-line name} */
    public String id() {
        return id;
    }

    /** {@return where it is read from when no directory is given} */
    public Path defaultDir() {
        return defaultDir;
    }

    /** {@return the training set's per-channel statistics} */
    public Normalization normalization() {
        return normalization;
    }

    /** {@return the class names, by label} */
    public List<String> classNames() {
        return classNames;
    }

    /** {@return the image channels: 1 for Fashion-MNIST, 3 for CIFAR-10} */
    public int channels() {
        return normalization.channels();
    }

    /**
     * {@return the training or test split}
     *
     * @param dir the directory, or null for {@link #defaultDir()}
     * @param train true for the training split
     * @throws io.jresnet.JResnetException naming the missing file and how to install it
     */
    public Dataset load(Path dir, boolean train) {
        Path d = dir == null ? defaultDir : dir;
        for (String name : requiredFiles(train)) {
            boolean present = this == FASHION_MNIST
                    ? Files.isRegularFile(d.resolve(name)) || Files.isRegularFile(d.resolve(name + ".gz"))
                    : Files.isRegularFile(d.resolve(name));
            if (!present) {
                String what = Files.isDirectory(d) ? d.resolve(name) + (this == FASHION_MNIST ? "[.gz]" : "") + " is missing"
                        : "directory " + d + " does not exist";
                throw new JResnetException(title + " not found: " + what + "; " + installHint);
            }
        }
        return this == FASHION_MNIST ? Idx.fromDirectory(d, train) : Cifar10.fromDirectory(d, train);
    }

    private List<String> requiredFiles(boolean train) {
        if (this == FASHION_MNIST) {
            String prefix = train ? "train" : "t10k";
            return List.of(prefix + "-images-idx3-ubyte", prefix + "-labels-idx1-ubyte");
        }
        return train ? List.of(1, 2, 3, 4, 5).stream().map(i -> "data_batch_" + i + ".bin").toList()
                : List.of("test_batch.bin");
    }
}
