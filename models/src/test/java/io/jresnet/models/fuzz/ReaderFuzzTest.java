package io.jresnet.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jresnet.JResnetException;
import io.jresnet.models.data.Cifar10;
import io.jresnet.models.data.Idx;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.models.io.Npy;
import io.jresnet.models.io.SafeTensors;
import io.jresnet.models.onnx.OnnxImporter;
import io.jresnet.plan.Planner;
import io.jresnet.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of every reader of outside data: each input, whatever its bytes,
 * must load or fail with jresnet's own exception ({@link JResnetException}); any other exception, an
 * {@code OutOfMemoryError} (the fuzzing JVM has a small heap: a declared size must be refused before
 * it is allocated) or a hang is a finding.
 *
 * <p>In the suite (no {@code JAZZER_FUZZ}) each target replays its committed corpus under
 * {@code src/test/resources/io/jresnet/models/fuzz/ReaderFuzzTestInputs/<target>/}. To fuzz one
 * target (docs/RELIABILITY.md has the command and the runs):
 * {@code JAZZER_FUZZ=1 mvn -o test -pl models -Dtest='ReaderFuzzTest#onnx' -Djresnet.test.jvmArgs=-Xmx512m}.
 */
class ReaderFuzzTest {
    /** How long one target fuzzes when asked to; the suite only replays the corpus. */
    private static final String FUZZ_FOR = "10m";

    @FuzzTest(maxDuration = FUZZ_FOR)
    void onnx(byte[] data) throws IOException {
        read(data, ".onnx", file -> Planner.plan(OnnxImporter.load(file).toGraph(Shape.nchw(1, 3, 8, 8))));
    }

    @FuzzTest(maxDuration = FUZZ_FOR)
    void safetensors(byte[] data) throws IOException {
        read(data, ".safetensors", SafeTensors::read);
    }

    @FuzzTest(maxDuration = FUZZ_FOR)
    void npy(byte[] data) throws IOException {
        read(data, ".npy", Npy::read);
    }

    /** A PyTorch checkpoint, read as a state dict and matched to an architecture. */
    @FuzzTest(maxDuration = FUZZ_FOR)
    void pth(byte[] data) throws IOException {
        read(data, ".pth", ModelFiles::load);
    }

    /** The input as an IDX image file, with a label file of the count it declares (or of 1). */
    @FuzzTest(maxDuration = FUZZ_FOR)
    void idx(byte[] data) throws IOException {
        read(data, "-images-idx3-ubyte", file -> {
            Path labels = file.resolveSibling("labels-idx1-ubyte");
            int count = data.length >= 8 ? Math.clamp(((data[4] & 0xff) << 8 | (data[5] & 0xff)) << 16
                    | (data[6] & 0xff) << 8 | (data[7] & 0xff), 0, 64) : 1;
            byte[] l = new byte[8 + count];
            l[2] = 0x08;
            l[3] = 0x01;
            l[7] = (byte) count;
            Files.write(labels, l);
            return Idx.read(file, labels, "fuzz", 10);
        });
    }

    @FuzzTest(maxDuration = FUZZ_FOR)
    void cifar10(byte[] data) throws IOException {
        read(data, ".bin", file -> Cifar10.read(List.of(file), "fuzz"));
    }

    @FuzzTest(maxDuration = FUZZ_FOR)
    void image(byte[] data) throws IOException {
        read(data, ".png", Preprocessing.FASHION_MNIST::load);
    }

    /** A reader of one file. */
    @FunctionalInterface
    private interface Reader {
        Object read(Path file) throws IOException;
    }

    /**
     * Writes {@code data} to a fresh temporary file and reads it. jresnet's exceptions are the expected
     * way to refuse; everything else propagates and is a finding.
     */
    private static void read(byte[] data, String suffix, Reader reader) throws IOException {
        Path dir = Files.createTempDirectory("jresnet-fuzz");
        Path file = dir.resolve("input" + suffix);
        try {
            Files.write(file, data);
            reader.read(file);
        } catch (JResnetException expected) {
            // refused with jresnet's own exception: what every bad input must get
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }
}
