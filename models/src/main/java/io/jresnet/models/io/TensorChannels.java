package io.jresnet.models.io;

import io.jresnet.FormatException;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Bounded reads and chunked little-endian writes shared by the tensor file formats. */
final class TensorChannels {
    private static final int CHUNK_BYTES = 1 << 16;

    private TensorChannels() {}

    /** Reads exactly {@code length} bytes at {@code position}; the caller has checked them against the file size. */
    static ByteBuffer readExactly(FileChannel ch, Path file, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw FormatException.in(file, "truncated: expected " + length + " bytes at offset " + position
                        + ", found " + buf.position());
            }
        }
        return buf.flip();
    }

    static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** Writes the tensor's floats as little-endian float32, raw bits (NaN payloads kept). */
    static void writeF32(FileChannel ch, Tensor t) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        float[] a = t.array();
        for (int i = t.offset(), end = t.offset() + t.size(); i < end; i++) {
            if (buf.remaining() < Float.BYTES) {
                writeFully(ch, buf.flip());
                buf.clear();
            }
            buf.putInt(Float.floatToRawIntBits(a[i]));
        }
        writeFully(ch, buf.flip());
    }

    /** Writes the tensor's values, which must be integers, as little-endian int64. */
    static void writeI64(FileChannel ch, Tensor t) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        float[] a = t.array();
        for (int i = t.offset(), end = t.offset() + t.size(); i < end; i++) {
            if (buf.remaining() < Long.BYTES) {
                writeFully(ch, buf.flip());
                buf.clear();
            }
            buf.putLong((long) a[i]);
        }
        writeFully(ch, buf.flip());
    }

    /** A step of an atomic write: fills a file through the channel it is given. */
    interface Writer {
        void write(FileChannel ch) throws IOException;
    }

    /**
     * Writes to a temporary file next to {@code file} and moves it into place, so a failed or
     * interrupted write never leaves a truncated file under the real name.
     */
    static void writeAtomically(Path file, Writer writer) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".partial");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(ch);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
