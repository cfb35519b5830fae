package io.jresnet.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.jresnet.FormatException;
import io.jresnet.models.onnx.OnnxExporter;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every writer on a disk that fills up halfway through (an in-memory file system with a size limit):
 * the write fails with an exception naming the problem, the file that was there before is byte for
 * byte unchanged, and no temporary file is left behind.
 */
class DiskFullTest {
    /** Room for the small files written first, not for the large ones written over them. */
    private static final long DISK_BYTES = 512 * 1024;

    private FileSystem disk;
    private Path dir;

    @BeforeEach
    void mount() throws IOException {
        disk = Jimfs.newFileSystem(Configuration.unix().toBuilder().setMaxSize(DISK_BYTES).setBlockSize(4096).build());
        dir = Files.createDirectories(disk.getPath("/out"));
    }

    @AfterEach
    void unmount() throws IOException {
        disk.close();
    }

    @Test
    void npy() throws IOException {
        Path file = dir.resolve("logits.npy");
        Npy.write(file, Tensor.uniform(Shape.of(4, 10), -1, 1, 1));
        byte[] before = Files.readAllBytes(file);
        IOException e = assertThrows(IOException.class, () -> Npy.write(file, Tensor.zeros(256, 1024)));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("cannot write: out of disk space"),
                e.getMessage());
        assertUnchanged(file, before);
    }

    @Test
    void safetensors() throws IOException {
        Path file = dir.resolve("weights.safetensors");
        SafeTensors.write(file, Map.of("w", Tensor.uniform(Shape.of(16, 16), -1, 1, 2)), Map.of());
        byte[] before = Files.readAllBytes(file);
        assertThrows(IOException.class,
                () -> SafeTensors.write(file, Map.of("w", Tensor.zeros(256, 1024)), Map.of("arch", "x")));
        assertUnchanged(file, before);
    }

    @Test
    void onnxExport() throws IOException {
        Path file = dir.resolve("model.onnx");
        ResNet small = new ResNet(ResNetSpec.cifar(8).withInChannels(1));
        Initializers.kaiming(small, 3, false);
        OnnxExporter.write(small, file);
        byte[] before = Files.readAllBytes(file);
        ResNet large = new ResNet(ResNetSpec.named("resnet20"));
        Initializers.kaiming(large, 4, false); // 0.27 M parameters: 1.1 MB, twice the disk
        FormatException e = assertThrows(FormatException.class, () -> OnnxExporter.write(large, file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("cannot write"), e.getMessage());
        assertUnchanged(file, before);
    }

    private void assertUnchanged(Path file, byte[] before) throws IOException {
        assertArrayEquals(before, Files.readAllBytes(file), file + " changed by a failed write");
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> left = files.toList();
            assertTrue(left.equals(List.of(file)), "only the old file is left: " + left);
        }
    }
}
