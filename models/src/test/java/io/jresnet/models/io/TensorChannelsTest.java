package io.jresnet.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.FormatException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tensor file changed by another writer while jresnet reads it (a download still running, a
 * training job overwriting its checkpoint). The safetensors and .npy readers copy their data through
 * {@link TensorChannels#readMapped}; the change happens here inside the copy, where a real writer's
 * would land.
 */
class TensorChannelsTest {
    @TempDir
    Path dir;

    @Test
    void aFileTruncatedWhileMappedFailsWithFormatExceptionInsteadOfAJvmFault() throws IOException {
        Path file = dir.resolve("weights.safetensors");
        Files.write(file, new byte[1 << 20]);
        try (FileChannel ch = FileChannel.open(file)) {
            FormatException e = assertThrows(FormatException.class, () -> TensorChannels.readMapped(ch, file, 0, 1 << 20,
                    data -> {
                        truncate(file, 4096);
                        float[] out = new float[1 << 18];
                        java.lang.foreign.MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, out, 0, out.length);
                        return out;
                    }));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("changed while it was being read")
                    && e.getMessage().contains("1048576 bytes, now 4096 bytes"), e.getMessage());
        }
    }

    @Test
    void aFileThatGrewWhileReadIsRefusedToo() throws IOException {
        Path file = dir.resolve("x.npy");
        Files.write(file, new byte[4096]);
        try (FileChannel ch = FileChannel.open(file)) {
            FormatException e = assertThrows(FormatException.class, () -> TensorChannels.readMapped(ch, file, 0, 4096, data -> {
                try (FileChannel w = FileChannel.open(file, StandardOpenOption.APPEND)) {
                    w.write(ByteBuffer.allocate(100));
                } catch (IOException io) {
                    throw new AssertionError(io);
                }
                return data.get(ValueLayout.JAVA_BYTE, 4095);
            }));
            assertTrue(e.getMessage().contains("it was 4096 bytes, now 4196"), e.getMessage());
        }
    }

    @Test
    void theReadersStillReadAnUnchangedFile() throws IOException {
        Tensor t = Tensor.uniform(Shape.of(3, 5), -1, 1, 7);
        Path npy = dir.resolve("t.npy");
        Npy.write(npy, t);
        Tensor back = Npy.read(npy);
        assertEquals(t.shape(), back.shape());
        assertArrayEquals(t.toArray(), back.toArray());
    }

    private static void truncate(Path file, long size) {
        try (FileChannel w = FileChannel.open(file, StandardOpenOption.WRITE)) {
            w.truncate(size);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
