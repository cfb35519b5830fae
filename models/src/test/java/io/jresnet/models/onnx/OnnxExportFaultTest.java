package io.jresnet.models.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.FormatException;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export writes to a temporary file and moves it into place: a write that fails leaves neither a
 * truncated model nor a temporary file behind, and an existing model stays as it was. (Failures are
 * made with directories in the way rather than permissions, which do not stop root.)
 */
class OnnxExportFaultTest {
    @TempDir
    Path dir;

    private static ResNet net() {
        ResNet net = new ResNet(ResNetSpec.cifar(8).withInChannels(1));
        Initializers.kaiming(net, 3, false);
        return net;
    }

    /** The temporary file cannot be written (its name is taken by a directory): the old model is untouched. */
    @Test
    void aFailedWriteKeepsTheOldModel() throws Exception {
        Path file = dir.resolve("model.onnx");
        OnnxExporter.write(net(), file);
        byte[] before = Files.readAllBytes(file);
        Path blocker = Files.createDirectories(dir.resolve(".model.onnx.partial"));
        Files.writeString(blocker.resolve("keep"), "x");
        FormatException e = assertThrows(FormatException.class, () -> OnnxExporter.write(net(), file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("cannot write"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    /** The move into place fails (the name is a directory): the written temporary file is removed. */
    @Test
    void aFailedMoveLeavesNoPartialFile() throws Exception {
        Path file = Files.createDirectories(dir.resolve("model.onnx"));
        Files.writeString(file.resolve("keep"), "x");
        FormatException e = assertThrows(FormatException.class, () -> OnnxExporter.write(net(), file));
        assertTrue(e.getMessage().contains("cannot write"), e.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "only the directory that was there, no partial file");
        }
    }

    @Test
    void anExportToAMissingDirectoryFailsClearly() {
        Path file = dir.resolve("no-such-dir").resolve("model.onnx");
        FormatException e = assertThrows(FormatException.class, () -> OnnxExporter.write(net(), file));
        assertTrue(e.getMessage().contains("cannot write"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}
