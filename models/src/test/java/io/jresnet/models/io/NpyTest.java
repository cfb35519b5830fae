package io.jresnet.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.FormatException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    /** A .npy file as numpy lays it out: magic, version, header length, header, data. */
    static byte[] npy(int major, String header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) len.putShort((short) h.length); else len.putInt(h.length);
        out.writeBytes(len.array());
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] littleEndian(int elementBytes, int count, java.util.function.BiConsumer<ByteBuffer, Integer> put) {
        ByteBuffer b = ByteBuffer.allocate(elementBytes * count).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) put.accept(b, i);
        return b.array();
    }

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private FormatException bad(byte[] bytes, String expectedInMessage) throws IOException {
        Path f = file("bad.npy", bytes);
        FormatException e = assertThrows(FormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expectedInMessage), "message says '" + expectedInMessage + "': " + e.getMessage());
        return e;
    }

    @Test
    void roundTripIsBitExactIncludingNaNPayloadsAndSignedZero() throws IOException {
        Tensor t = Tensor.normal(Shape.of(2, 3, 4, 5), 1f, 7);
        t.array()[0] = Float.intBitsToFloat(0x7fc12345); // a NaN with a payload
        t.array()[1] = -0f;
        t.array()[2] = Float.MIN_VALUE;
        t.array()[3] = Float.NEGATIVE_INFINITY;
        Path f = dir.resolve("t.npy");
        Npy.write(f, t);
        Tensor back = Npy.read(f);
        assertEquals(t.shape(), back.shape());
        for (int i = 0; i < t.size(); i++) {
            assertEquals(Float.floatToRawIntBits(t.array()[i]), Float.floatToRawIntBits(back.array()[i]), "element " + i);
        }
    }

    @Test
    void writesTheLayoutNumpyWrites() throws IOException {
        Path f = dir.resolve("t.npy");
        Npy.write(f, Tensor.wrap(new float[] {1, 2, 3}, 3));
        byte[] b = Files.readAllBytes(f);
        int headerLength = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLength) % 64, "data starts 64-byte aligned");
        String header = new String(b, 10, headerLength, StandardCharsets.ISO_8859_1);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", header.strip());
        assertTrue(header.endsWith("\n"));
        assertEquals(10 + headerLength + 12, b.length);
    }

    @Test
    void roundTripsScalarsAndEmptyArrays() throws IOException {
        for (Shape s : new Shape[] {Shape.of(), Shape.of(0, 3), Shape.of(1)}) {
            Path f = dir.resolve("s.npy");
            Tensor t = Tensor.uniform(s, -1, 1, 3);
            Npy.write(f, t);
            Tensor back = Npy.read(f);
            assertEquals(s, back.shape());
            assertArrayEquals(t.toArray(), back.toArray());
        }
    }

    @Test
    void readsOtherDtypesAsFloat32() throws IOException {
        String h = "{'descr': '%s', 'fortran_order': False, 'shape': (3,), }";
        assertArrayEquals(new float[] {1.5f, -2f, 1e-3f}, Npy.read(file("f8.npy", npy(1, h.formatted("<f8"),
                littleEndian(8, 3, (b, i) -> b.putDouble(new double[] {1.5, -2, 1e-3}[i]))))).toArray());
        assertArrayEquals(new float[] {1f, -2.5f, 65504f}, Npy.read(file("f2.npy", npy(1, h.formatted("<f2"),
                littleEndian(2, 3, (b, i) -> b.putShort(Float.floatToFloat16(new float[] {1f, -2.5f, 65504f}[i])))))).toArray());
        assertArrayEquals(new float[] {7, -8, 1L << 40}, Npy.read(file("i8.npy", npy(1, h.formatted("<i8"),
                littleEndian(8, 3, (b, i) -> b.putLong(new long[] {7, -8, 1L << 40}[i]))))).toArray());
        assertArrayEquals(new float[] {7, -8, 9}, Npy.read(file("i4.npy", npy(2, h.formatted("<i4"),
                littleEndian(4, 3, (b, i) -> b.putInt(new int[] {7, -8, 9}[i]))))).toArray());
        assertArrayEquals(new float[] {0, 128, 255}, Npy.read(file("u1.npy", npy(3, h.formatted("|u1"),
                new byte[] {0, (byte) 128, (byte) 255}))).toArray());
        ByteBuffer big = ByteBuffer.allocate(12).order(ByteOrder.BIG_ENDIAN).putFloat(1).putFloat(2).putFloat(3);
        assertArrayEquals(new float[] {1, 2, 3}, Npy.read(file("be.npy", npy(1, h.formatted(">f4"), big.array()))).toArray());
    }

    @Test
    void parsesHeadersWrittenInOtherStyles() throws IOException {
        byte[] data = littleEndian(4, 6, (b, i) -> b.putFloat(i));
        // Keys in another order, double quotes, no trailing comma, Python 2 long suffix.
        Tensor t = Npy.read(file("o.npy", npy(1, "{\"shape\": (2L, 3L), \"fortran_order\": False, \"descr\": \"<f4\"}\n", data)));
        assertEquals(Shape.of(2, 3), t.shape());
        assertEquals(5f, t.get(1, 2));
    }

    @Test
    void rejectsWrongMagic() throws IOException {
        byte[] b = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        b[1] = 'X';
        bad(b, "not a .npy file");
    }

    @Test
    void rejectsTinyFiles() throws IOException {
        bad(new byte[] {(byte) 0x93, 'N', 'U'}, "truncated");
        bad(new byte[0], "truncated");
    }

    @Test
    void rejectsUnknownVersion() throws IOException {
        byte[] b = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        b[6] = 9;
        bad(b, "unsupported .npy version 9.0");
    }

    @Test
    void rejectsHeaderLongerThanTheFile() throws IOException {
        byte[] b = npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        ByteBuffer.wrap(b, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(0x7fffffff);
        bad(b, "header of 2147483647 bytes does not fit");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", new byte[20]),
                "truncated: shape [2, 3] of F32 needs 24 data bytes, found 20");
    }

    @Test
    void rejectsTrailingData() throws IOException {
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new byte[12]), "trailing bytes");
    }

    @Test
    void rejectsFortranOrder() throws IOException {
        bad(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]), "Fortran");
    }

    @Test
    void rejectsNegativeAndHugeDimensions() throws IOException {
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }", new byte[8]), "is negative");
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296,), }", new byte[8]),
                "larger than 2147483647");
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", new byte[8]),
                "out of range");
    }

    @Test
    void rejectsShapesWhoseSizeOverflows() throws IOException {
        bad(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }",
                new byte[8]), "overflows");
        // Fits in 64 bits but not in the file: rejected before anything is allocated.
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 1024), }", new byte[8]),
                "truncated");
    }

    @Test
    void rejectsUnsupportedDtypes() throws IOException {
        bad(npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8]), "unsupported dtype '<c8'");
        bad(npy(1, "{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]), "unsupported dtype '|f4'");
        bad(npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]),
                "structured dtypes are not supported");
    }

    @Test
    void rejectsMalformedHeaders() throws IOException {
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", new byte[4]), "malformed header");
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (1,)}", new byte[4]),
                "duplicate key 'shape'");
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False}", new byte[4]), "header keys must be");
        bad(npy(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", new byte[4]), "'fortran_order' must be");
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': 4}", new byte[4]), "'shape' must be a tuple");
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk", new byte[4]), "unexpected text");
        bad(npy(1, "[1, 2]", new byte[4]), "not a dictionary");
        bad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': ('a',)}", new byte[4]), "not an integer");
        bad(npy(1, "{'a': " + "(".repeat(5000) + "}", new byte[4]), "nested too deeply");
    }

    @Test
    void headerLimitBoundsTheRead() throws IOException {
        byte[] header = new byte[Npy.MAX_HEADER_BYTES + 1];
        Arrays.fill(header, (byte) ' ');
        bad(npy(2, new String(header, StandardCharsets.ISO_8859_1), new byte[0]), "exceeds the limit");
    }

    @Test
    void missingFileIsAnIoError() {
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Npy.read(dir.resolve("absent.npy")));
    }
}
