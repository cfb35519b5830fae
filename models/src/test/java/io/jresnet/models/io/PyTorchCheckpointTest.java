package io.jresnet.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.FormatException;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.ResNet;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PyTorch checkpoints written by the real {@code torch.save} (PyTorch 1.13, both formats; see
 * {@code models/src/test/python/make_pth_fixtures.py}), and malformed ones built here byte by byte.
 */
class PyTorchCheckpointTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(PyTorchCheckpointTest.class.getResource("pth/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("fixture " + name + " is missing", e);
        }
    }

    private static float[] formula(int n, double scale, double shift) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (i * scale + shift);
        return v;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dtypes.pth", "dtypes-legacy.pth"})
    void everyStorageTypeLayoutAndSharedView(String name) throws IOException {
        Map<String, Tensor> t = PyTorchCheckpoint.read(fixture(name));
        assertEquals(List.of("f32", "f32_transposed", "f32_view_a", "f32_view_b", "f16", "bf16", "f64", "i64", "scalar",
                "empty"), List.copyOf(t.keySet()), "the nested 'model' dict, in order");
        float[] base = formula(24, 0.5, -3);
        assertTensor(t.get("f32"), base, 2, 3, 4);
        float[] transposed = new float[24]; // base.reshape(4, 6).t(): element [i][j] = base[j * 6 + i]
        for (int i = 0; i < 6; i++) for (int j = 0; j < 4; j++) transposed[i * 4 + j] = base[j * 6 + i];
        assertTensor(t.get("f32_transposed"), transposed, 6, 4);
        float[] shared = formula(10, 0.25, 1);
        assertTensor(t.get("f32_view_a"), Arrays.copyOfRange(shared, 2, 8), 2, 3);
        assertTensor(t.get("f32_view_b"), Arrays.copyOfRange(shared, 5, 10), 5);
        assertTensor(t.get("f16"), formula(6, 0.5, -1), 6);
        assertTensor(t.get("bf16"), formula(6, 2, -4), 6);
        assertTensor(t.get("f64"), formula(5, 0.125, 0), 5);
        assertTensor(t.get("i64"), new float[] {-1500, -500, 500, 1500}, 4);
        assertTensor(t.get("scalar"), new float[] {2.5f});
        assertTensor(t.get("empty"), new float[0], 0, 3);
    }

    private static void assertTensor(Tensor t, float[] values, int... dims) {
        assertArrayEquals(dims, t.shape().dims());
        assertArrayEquals(values, t.toArray());
    }

    /** A torchvision-layout state dict without metadata: the architecture is inferred, and the logits are torch's. */
    @ParameterizedTest
    @CsvSource({"resnet20-fashion.pth, resnet20-fashion-logits.npy",
                "resnet20-fashion-legacy-f16.pth, resnet20-fashion-legacy-f16-logits.npy"})
    void aStateDictSavedByTorchGivesTorchsLogits(String weights, String logits) throws IOException {
        ResNet net = ModelFiles.load(fixture(weights));
        assertEquals("resnet20", net.spec().name());
        assertEquals(1, net.spec().inChannels());
        Tensor x = Npy.read(fixture("resnet20-fashion-input.npy"));
        Tensor expected = Npy.read(fixture(logits));
        try (ReferenceBackend ref = new ReferenceBackend(); CompiledModel m = ref.compile(net.plan(x.shape()));
             Session s = m.newSession()) {
            new Tolerance(1e-4, 1e-4).relativeTo(expected).assertClose(expected, s.run(x), weights + " vs PyTorch");
        }
    }

    // ---- malformed files ----

    @Test
    void aTruncatedArchiveFailsNamingTheFile() throws IOException {
        Path cut = dir.resolve("cut.pth");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(fixture("resnet20-fashion.pth")), 100_000));
        assertFails(cut, "not a valid zip archive");
    }

    @Test
    void aTruncatedLegacyFileFailsNamingTheFile() throws IOException {
        Path cut = dir.resolve("cut.pth");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(fixture("resnet20-fashion-legacy-f16.pth")), 300_000));
        assertFails(cut, "bytes left in the file");
    }

    @Test
    void aGlobalOutsideTheAllowedOnesIsRefusedBeforeAnythingRuns() throws IOException {
        PickleBytes p = new PickleBytes().proto().global("os", "system").unicode("touch /tmp/pwned").tuple1().reduce().stop();
        assertFails(archive(p.bytes(), Map.of()), "global 'os.system' is not allowed");
        PickleBytes q = new PickleBytes().proto().global("torch.nn.modules.conv", "Conv2d").stop();
        assertFails(archive(q.bytes(), Map.of()), "global 'torch.nn.modules.conv.Conv2d' is not allowed");
    }

    @Test
    void anOpcodeOutsideTheAllowedOnesIsRefused() throws IOException {
        PickleBytes p = new PickleBytes().proto().op('}').op('(').op('i').stop();
        assertFails(archive(p.bytes(), Map.of()), "opcode 0x69 ('i') is not allowed");
        PickleBytes q = new PickleBytes().proto().op(0x81).stop();
        assertFails(archive(q.bytes(), Map.of()), "opcode 0x81");
    }

    @Test
    void aTensorReachingPastItsStorageIsRefused() throws IOException {
        // 'w' = 8 floats from a storage of 4
        assertFails(archive(stateDictPickle(4, 0, 8), Map.of("data/0", new byte[16])), "reaches past its storage of 4");
        // offset 3, 2 floats: index 4 is past the end
        assertFails(archive(stateDictPickle(4, 3, 2), Map.of("data/0", new byte[16])), "at offset 3 reaches past");
    }

    @Test
    void aStorageLargerThanItsEntryIsRefusedBeforeAllocating() throws IOException {
        long trillion = 1_000_000_000_000L;
        assertFails(archive(stateDictPickle(trillion, 0, 4), Map.of("data/0", new byte[16])),
                "declares 1000000000000 F32 elements, more than its 16-byte entry holds");
    }

    @Test
    void aMissingStorageIsNamed() throws IOException {
        assertFails(archive(stateDictPickle(4, 0, 4), Map.of()), "storage '0' is missing from the archive");
    }

    @Test
    void aWellFormedHandMadeArchiveReads() throws IOException {
        byte[] data = new byte[16];
        java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f);
        Map<String, Tensor> t = PyTorchCheckpoint.read(archive(stateDictPickle(4, 1, 3), Map.of("data/0", data)));
        assertArrayEquals(new float[] {2, 3, 4}, t.get("w").toArray(), "the builder makes what torch makes");
    }

    @Test
    void aTorchScriptArchiveIsNamedAsSuch() throws IOException {
        assertFails(archive(stateDictPickle(4, 0, 4), Map.of("constants.pkl", new byte[] {'.'})), "TorchScript");
    }

    @Test
    void somethingElseIsNotACheckpoint() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.pth"), "hello");
        assertFails(text, "not a PyTorch checkpoint");
        PickleBytes list = new PickleBytes().proto().op(']').stop();
        assertFails(archive(list.bytes(), Map.of()), "holds a list, not a state dict");
        PickleBytes noTensors = new PickleBytes().proto().op('}').unicode("epoch").op('K').op(3).op('s').stop();
        assertFails(archive(noTensors.bytes(), Map.of()), "no state dict in it", "[epoch]");
    }

    private void assertFails(Path file, String... fragments) {
        FormatException e = assertThrows(FormatException.class, () -> PyTorchCheckpoint.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
    }

    /** A zip laid out as torch writes it: {@code archive/data.pkl}, {@code archive/version}, more entries. */
    private Path archive(byte[] pickle, Map<String, byte[]> entries) throws IOException {
        Path file = Files.createTempFile(dir, "checkpoint", ".pth");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            put(zip, "archive/data.pkl", pickle);
            put(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            for (Map.Entry<String, byte[]> e : entries.entrySet()) put(zip, "archive/" + e.getKey(), e.getValue());
        }
        return file;
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(bytes.length);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bytes);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }

    /** {'w': _rebuild_tensor_v2(storage '0' of numel floats, offset, (size,), (1,), False, OrderedDict())}. */
    private static byte[] stateDictPickle(long numel, int offset, int size) {
        return new PickleBytes().proto().op('}').op('(')
                .unicode("w").global("torch._utils", "_rebuild_tensor_v2").op('(')
                .op('(').unicode("storage").global("torch", "FloatStorage").unicode("0").unicode("cpu").int64(numel).op('t')
                .op('Q').int64(offset).int64(size).tuple1().int64(1).tuple1().op(0x89)
                .global("collections", "OrderedDict").op(')').reduce()
                .op('t').reduce().op('u').stop().bytes();
    }

    /** Writes pickle opcodes, protocol 2, as {@code torch.save} does. */
    static final class PickleBytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        PickleBytes op(int code) {
            out.write(code);
            return this;
        }

        PickleBytes proto() {
            return op(0x80).op(2);
        }

        PickleBytes global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        PickleBytes unicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            out.writeBytes(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
            return this;
        }

        /** LONG1 with 8 bytes: any long. */
        PickleBytes int64(long v) {
            op(0x8a).op(8);
            out.writeBytes(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        PickleBytes tuple1() {
            return op(0x85);
        }

        PickleBytes reduce() {
            return op('R');
        }

        PickleBytes stop() {
            return op('.');
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
