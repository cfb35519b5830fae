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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A safetensors file: 8-byte little-endian header length, the JSON header, the data area. */
    static byte[] safetensors(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private FormatException bad(byte[] bytes, String expectedInMessage) throws IOException {
        Path f = Files.write(dir.resolve("bad.safetensors"), bytes);
        FormatException e = assertThrows(FormatException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expectedInMessage), "message says '" + expectedInMessage + "': " + e.getMessage());
        return e;
    }

    private static final String ONE = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void roundTripIsBitExactAndKeepsOrderAndMetadata() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("conv1.weight", Tensor.normal(Shape.of(4, 3, 3, 3), 1f, 1));
        tensors.put("bn1.num_batches_tracked", Tensor.wrap(new float[] {12345}, Shape.of()));
        tensors.put("fc.bias", Tensor.wrap(new float[] {Float.intBitsToFloat(0x7fa00001), -0f, Float.MAX_VALUE}, 3));
        tensors.put("empty", Tensor.zeros(0, 5));
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, tensors, Map.of("arch", "resnet18", "note", "ünïcode"));
        SafeTensors.Contents back = SafeTensors.read(f);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.tensors().keySet()));
        assertEquals(Map.of("arch", "resnet18", "note", "ünïcode"), back.metadata());
        for (String name : tensors.keySet()) {
            Tensor a = tensors.get(name), b = back.tensors().get(name);
            assertEquals(a.shape(), b.shape(), name);
            for (int i = 0; i < a.size(); i++) {
                assertEquals(Float.floatToRawIntBits(a.array()[i]), Float.floatToRawIntBits(b.array()[i]), name + "[" + i + "]");
            }
        }
    }

    @Test
    void writesBatchCountersAsInt64AndAlignsTheData() throws IOException {
        Path f = dir.resolve("m.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("bn.num_batches_tracked", Tensor.wrap(new float[] {3}, Shape.of()));
        tensors.put("bn.weight", Tensor.wrap(new float[] {1, 2}, 2));
        SafeTensors.write(f, tensors, Map.of());
        byte[] b = Files.readAllBytes(f);
        long headerLength = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8);
        String header = new String(b, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}"), header);
        assertTrue(header.contains("\"bn.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}"), header);
        assertEquals(3L, ByteBuffer.wrap(b, 8 + (int) headerLength, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
    }

    @Test
    void readsEveryTorchDtypeAsFloat32() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(2 + 2 + 8 + 8 + 4 + 4).order(ByteOrder.LITTLE_ENDIAN);
        d.putShort(Float.floatToFloat16(-1.5f));
        d.putShort((short) (Float.floatToRawIntBits(3.25f) >>> 16)); // bf16 is the top half of a float
        d.putDouble(0.125);
        d.putLong(-42);
        d.putInt(7);
        d.putFloat(2.5f);
        String json = """
                {"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},
                 "b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]},
                 "d":{"dtype":"F64","shape":[1],"data_offsets":[4,12]},
                 "l":{"dtype":"I64","shape":[],"data_offsets":[12,20]},
                 "i":{"dtype":"I32","shape":[1],"data_offsets":[20,24]},
                 "f":{"dtype":"F32","shape":[1,1],"data_offsets":[24,28]}}""";
        Map<String, Tensor> t = SafeTensors.read(Files.write(dir.resolve("d.safetensors"), safetensors(json, d.array()))).tensors();
        assertArrayEquals(new float[] {-1.5f}, t.get("h").toArray());
        assertArrayEquals(new float[] {3.25f}, t.get("b").toArray());
        assertArrayEquals(new float[] {0.125f}, t.get("d").toArray());
        assertArrayEquals(new float[] {-42f}, t.get("l").toArray());
        assertEquals(Shape.of(), t.get("l").shape());
        assertArrayEquals(new float[] {7f}, t.get("i").toArray());
        assertEquals(Shape.of(1, 1), t.get("f").shape());
    }

    @Test
    void acceptsEntriesListedOutOfOffsetOrder() throws IOException {
        String json = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).array();
        Map<String, Tensor> t = SafeTensors.read(Files.write(dir.resolve("o.safetensors"), safetensors(json, data))).tensors();
        assertEquals(1f, t.get("a").toArray()[0]);
        assertEquals(2f, t.get("b").toArray()[0]);
    }

    @Test
    void rejectsFilesShorterThanTheLengthField() throws IOException {
        bad(new byte[5], "truncated");
    }

    @Test
    void rejectsWrongMagic() throws IOException {
        // An .npy file (or anything else) read as safetensors: its first 8 bytes make an absurd length.
        bad(NpyTest.npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]), "not a safetensors file");
        bad(safetensors("[\"not an object\"]", new byte[0]), "does not start with '{'");
    }

    @Test
    void rejectsAbsurdHeaderLengths() throws IOException {
        byte[] b = safetensors(ONE, new byte[8]);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(200L * 1024 * 1024);
        bad(b, "exceeds the limit");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(-1);
        bad(b, "18446744073709551615 exceeds the limit");
    }

    @Test
    void rejectsHeaderLongerThanTheFile() throws IOException {
        byte[] b = safetensors(ONE, new byte[8]);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(b.length);
        bad(b, "past the end of the");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        bad(safetensors(ONE, new byte[5]), "run past the end of the 5-byte data area");
    }

    @Test
    void rejectsOffsetsPastTheEnd() throws IOException {
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[9223372036854775000,9223372036854775008]}}",
                new byte[8]), "run past the end");
    }

    @Test
    void rejectsOverlappingOffsets() throws IOException {
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]), "overlap tensor 'a'");
    }

    @Test
    void rejectsGapsAndTrailingBytes() throws IOException {
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "leave a gap");
        bad(safetensors(ONE, new byte[12]), "trailing bytes");
    }

    @Test
    void rejectsOutOfOrderOffsets() throws IOException {
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[8]), "end before they begin");
    }

    @Test
    void rejectsNegativeOrOverflowingDimensions() throws IOException {
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]),
                "dimension 0 of shape [-2] is not an integer");
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483648],\"data_offsets\":[0,8]}}", new byte[8]),
                "is not an integer in [0, 2147483647]");
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", new byte[8]), "not an integer");
        bad(safetensors("{\"a\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}",
                new byte[8]), "overflows");
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", new byte[8]), "non-negative");
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999999]}}", new byte[8]),
                "non-negative 64-bit");
    }

    @Test
    void rejectsSizeMismatchBetweenDtypeShapeAndOffsets() throws IOException {
        bad(safetensors("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]),
                "F16 of shape [2] needs 4 bytes, but data_offsets [0,8] span 8");
    }

    @Test
    void rejectsDuplicateNames() throws IOException {
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "Duplicate field 'a'");
    }

    @Test
    void rejectsUnknownDtypes() throws IOException {
        bad(safetensors("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}", new byte[8]),
                "tensor 'a': unsupported dtype 'F8_E4M3'");
    }

    @Test
    void rejectsCorruptJsonAndBadEntries() throws IOException {
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],", new byte[8]), "corrupt header JSON");
        bad(safetensors(ONE + " {}", new byte[8]), "corrupt header JSON");
        bad(safetensors("{\"a\":[]}", new byte[0]), "tensor 'a': expected a JSON object");
        bad(safetensors("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "missing dtype");
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", new byte[8]), "missing shape");
        bad(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", new byte[8]), "must be [begin, end]");
        bad(safetensors("{\"__metadata__\":{\"arch\":5}}", new byte[0]), "is not a string");
        bad(safetensors("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}", new byte[0]), "corrupt header JSON");
    }

    @Test
    void emptyFileOfTensorsIsValid() throws IOException {
        Path f = dir.resolve("e.safetensors");
        SafeTensors.write(f, Map.of(), Map.of());
        assertTrue(SafeTensors.read(f).tensors().isEmpty());
    }
}
