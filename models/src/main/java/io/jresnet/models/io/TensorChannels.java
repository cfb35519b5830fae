package io.jresnet.models.io;

import io.jresnet.FormatException;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

    /** Reads a memory-mapped range of a file. */
    interface MappedReader<T> {
        T read(MemorySegment data);
    }

    /**
     * Maps {@code bytes} at {@code position} read-only and gives them to {@code reader}. A file
     * truncated by another process while mapped faults on the first page past its new end (SIGBUS,
     * which the JVM raises as an {@link InternalError}); that, and a file whose size changed by the
     * end of the read, becomes a {@link FormatException} naming the file instead of a JVM error or
     * values from two versions of the file.
     */
    static <T> T readMapped(FileChannel ch, Path file, long position, long bytes, MappedReader<T> reader)
            throws IOException {
        long sizeBefore = ch.size();
        T result;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = ch.map(FileChannel.MapMode.READ_ONLY, position, bytes, arena);
            result = reader.read(data);
        } catch (InternalError e) {
            throw new FormatException(file + ": the file changed while it was being read (it was " + sizeBefore
                    + " bytes, now " + sizeOrUnknown(ch) + "); read it again once it is complete", e);
        }
        long sizeAfter = ch.size();
        if (sizeAfter != sizeBefore) {
            throw FormatException.in(file, "the file changed while it was being read (it was " + sizeBefore
                    + " bytes, now " + sizeAfter + "); read it again once it is complete");
        }
        return result;
    }

    private static String sizeOrUnknown(FileChannel ch) {
        try {
            return ch.size() + " bytes";
        } catch (IOException e) {
            return "of unknown size";
        }
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
        } catch (IOException e) {
            // Name the file the caller asked for, not the temporary one beside it.
            FileSystemException named = new FileSystemException(file.toString(), null, "cannot write: " + reason(e, abs));
            named.initCause(e);
            throw named;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String reason(IOException e, Path target) {
        return switch (e) {
            case NoSuchFileException f -> "the directory " + target.getParent() + " does not exist";
            case AccessDeniedException f -> "permission denied";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }
}
