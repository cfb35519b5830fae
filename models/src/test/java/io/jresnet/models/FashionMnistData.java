package io.jresnet.models;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Where the tests find Fashion-MNIST (Debian's {@code dataset-fashion-mnist}), and what they do without it. */
public final class FashionMnistData {
    public static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private FashionMnistData() {}

    /** Skips the calling test when the data set is missing, except under CI (CI=true), where that fails. */
    public static void require() {
        if (Files.isRegularFile(DIR.resolve("train-images-idx3-ubyte.gz"))
                && Files.isRegularFile(DIR.resolve("t10k-images-idx3-ubyte.gz"))) {
            return;
        }
        String why = DIR + " is missing; install it with: apt-get install -y dataset-fashion-mnist";
        if ("true".equals(System.getenv("CI"))) fail(why);
        Assumptions.abort(why);
    }
}
