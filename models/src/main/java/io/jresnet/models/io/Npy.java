package io.jresnet.models.io;

import io.jresnet.FormatException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * NumPy's {@code .npy} format (versions 1.0, 2.0 and 3.0): a magic string, a version, a header
 * length, a Python-literal header dictionary, then the raw elements. Reads float32, float64,
 * float16, int64, int32 and uint8 arrays in C order, converting to float32; writes little-endian
 * float32.
 *
 * <p>Every size in the file is checked against the file's length before anything is allocated.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy itself refuses headers over 10,000 bytes by default; 1 MiB leaves room and bounds the read. */
    static final int MAX_HEADER_BYTES = 1 << 20;
    /** Header plus preamble is padded to a multiple of this, as numpy does, so the data is aligned. */
    private static final int ALIGNMENT = 64;

    private Npy() {}

    /**
     * {@return the array in a {@code .npy} file, as float32}
     *
     * @param file the file
     * @throws FormatException naming the file when it is not a valid .npy array
     * @throws java.io.IOException if the file cannot be read
     */
    public static Tensor read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            long fileSize = ch.size();
            if (fileSize < MAGIC.length + 2) {
                throw FormatException.in(file, "truncated: " + fileSize + " bytes is too short for a .npy header");
            }
            ByteBuffer start = TensorChannels.readExactly(ch, file, 0, MAGIC.length + 2);
            byte[] magic = new byte[MAGIC.length];
            start.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw FormatException.in(file, "not a .npy file (the magic string \\x93NUMPY is missing)");
            }
            int major = start.get() & 0xff;
            int minor = start.get() & 0xff;
            if (major < 1 || major > 3 || minor != 0) {
                throw FormatException.in(file, "unsupported .npy version " + major + "." + minor
                        + " (expected 1.0, 2.0 or 3.0)");
            }
            int lengthBytes = major == 1 ? 2 : 4;
            long preamble = MAGIC.length + 2 + lengthBytes;
            if (fileSize < preamble) {
                throw FormatException.in(file, "truncated: the header length field ends at byte " + preamble
                        + " but the file has " + fileSize + " bytes");
            }
            ByteBuffer len = TensorChannels.readExactly(ch, file, MAGIC.length + 2, lengthBytes);
            long headerLength = major == 1 ? len.getShort() & 0xffff : len.getInt() & 0xffffffffL;
            if (headerLength > fileSize - preamble) {
                throw FormatException.in(file, "truncated: header of " + headerLength + " bytes does not fit in the "
                        + (fileSize - preamble) + " bytes after the preamble");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw FormatException.in(file, "header length " + headerLength + " exceeds the limit of "
                        + MAX_HEADER_BYTES + " bytes");
            }
            ByteBuffer headerBytes = TensorChannels.readExactly(ch, file, preamble, (int) headerLength);
            String text = new String(headerBytes.array(), 0, (int) headerLength,
                    major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            NpyHeader header = NpyHeader.parse(file, text);
            if (header.fortranOrder()) {
                throw FormatException.in(file, "array is in Fortran (column-major) order; only C order is supported"
                        + " (save it with np.ascontiguousarray)");
            }
            return readData(ch, file, header, preamble + headerLength, fileSize);
        }
    }

    private static Tensor readData(FileChannel ch, Path file, NpyHeader header, long dataStart, long fileSize)
            throws IOException {
        long count = 1;
        long bytes;
        try {
            for (int d : header.dims()) count = Math.multiplyExact(count, d);
            bytes = Math.multiplyExact(count, header.dtype().bytes);
        } catch (ArithmeticException e) {
            throw FormatException.in(file, "shape " + Arrays.toString(header.dims()) + " overflows a 64-bit size");
        }
        long available = fileSize - dataStart;
        if (bytes != available) {
            throw FormatException.in(file, (bytes > available ? "truncated" : "trailing bytes") + ": shape "
                    + Arrays.toString(header.dims()) + " of " + header.dtype() + " needs "
                    + bytes + " data bytes, found " + available);
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw FormatException.in(file, "shape " + Arrays.toString(header.dims()) + " holds " + count
                    + " elements, more than one tensor can");
        }
        Shape shape = Shape.of(header.dims());
        if (count == 0) return Tensor.zeros(shape);
        int n = (int) count;
        return TensorChannels.readMapped(ch, file, dataStart, bytes,
                data -> Tensor.wrap(header.dtype().toFloats(data, 0, n, header.order()), shape));
    }

    /**
     * Writes {@code t} as a little-endian float32 C-order array (format 1.0, or 2.0 for huge headers),
     * through a temporary file renamed at the end.
     *
     * @param file the file, replaced if it exists
     * @param t the tensor
     * @throws java.io.IOException if the file cannot be written
     */
    public static void write(Path file, Tensor t) throws IOException {
        String dict = NpyHeader.format(t.shape().dims());
        int major = dict.length() + MAGIC.length + 2 + 2 + 1 < 65536 ? 1 : 2;
        int preamble = MAGIC.length + 2 + (major == 1 ? 2 : 4);
        int padded = ((preamble + dict.length() + 1 + ALIGNMENT - 1) / ALIGNMENT) * ALIGNMENT;
        int headerLength = padded - preamble;
        ByteBuffer head = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) head.putShort((short) headerLength); else head.putInt(headerLength);
        head.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (head.position() < padded - 1) head.put((byte) ' ');
        head.put((byte) '\n');
        TensorChannels.writeAtomically(file, ch -> {
            TensorChannels.writeFully(ch, head.flip());
            TensorChannels.writeF32(ch, t);
        });
    }
}
