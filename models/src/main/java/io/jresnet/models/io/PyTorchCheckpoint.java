package io.jresnet.models.io;

import io.jresnet.FormatException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the state dict of a PyTorch checkpoint ({@code .pth}, {@code .pt}: what {@code
 * torch.save(model.state_dict(), f)} writes, torchvision's published weights among them), as
 * float32 tensors by name, without Python.
 *
 * <p>Both formats {@code torch.save} has written:
 * <ul>
 *   <li>the zip archive of PyTorch 1.6 and later: {@code <name>/data.pkl} holds the pickled object,
 *       whose tensors refer by key to raw little-endian storages {@code <name>/data/<key>};</li>
 *   <li>the legacy stream of earlier releases (and of {@code _use_new_zipfile_serialization=False}):
 *       five pickles one after the other (a magic number, the protocol version 1001, the writer's
 *       byte order and type sizes, the object, the list of storage keys) and then each storage as an
 *       int64 element count and its raw bytes.</li>
 * </ul>
 * The pickle is read by {@link Pickle}, which builds plain data and accepts no global but the ones
 * here: {@code collections.OrderedDict}, torch's tensor and parameter rebuild functions and the
 * storage types of float32, float16, bfloat16, float64, int64, int32 and uint8. A pickle naming
 * anything else (a class, {@code os.system}, a TorchScript module) fails with a {@link
 * FormatException}, so a checkpoint can never run code.
 *
 * <p>The state dict is the top-level dict when its values are all tensors, else the first of its
 * entries {@code state_dict}, {@code model}, {@code model_state_dict}, {@code state_dict_ema},
 * {@code module}, {@code net} or {@code network} that is (training scripts save {@code {"epoch": ...,
 * "state_dict": ...}}).
 */
public final class PyTorchCheckpoint {
    private static final Set<String> ALLOWED_GLOBALS = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter",
            "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage",
            "torch.LongStorage", "torch.IntStorage", "torch.ByteStorage");
    private static final List<String> NESTED_STATE_DICT_KEYS = List.of(
            "state_dict", "model", "model_state_dict", "state_dict_ema", "module", "net", "network");
    /** The pickle of a state dict is small (about 50 KB for ResNet-152); a larger one is not a state dict. */
    private static final int MAX_PICKLE_BYTES = 64 << 20;
    /** The legacy format's first pickle. */
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final int LEGACY_PROTOCOL = 1001;
    /** A deflated storage may expand at most this much: float weights compress to about 90%. */
    private static final long MAX_DEFLATE_RATIO = 16;

    private PyTorchCheckpoint() {}

    /** A storage as the pickle names it: its key in the file, element type and element count. */
    private record Storage(String key, DType dtype, long numel) {}

    /** A view of a storage, as torch's legacy format records sub-storages. */
    private record StorageView(Storage root, long offset, long numel) {}

    /** A tensor as the pickle describes it, read once every storage is known. */
    private record PendingTensor(StorageView storage, long offset, int[] size, long[] stride) {}

    /**
     * {@return the checkpoint's state dict, float32 tensors by name, in the file's order}
     *
     * @param file a {@code .pth}/{@code .pt} file written by {@code torch.save}
     * @throws FormatException naming the file when it is not such a checkpoint, names a global that
     *     is not allowed, holds no state dict, or its tensors do not fit their storages
     * @throws IOException if the file cannot be read
     */
    public static Map<String, Tensor> read(Path file) throws IOException {
        byte[] head = new byte[4];
        long size;
        try (FileChannel ch = FileChannel.open(file)) {
            size = ch.size();
            ch.read(ByteBuffer.wrap(head), 0);
        }
        if (head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return readZip(file);
        if ((head[0] & 0xff) == 0x80) return readLegacy(file, size);
        throw FormatException.in(file, "not a PyTorch checkpoint: it is neither a zip archive (torch >= 1.6)"
                + " nor a legacy pickle stream (starts with " + hex(head) + ")");
    }

    // ---- the zip archive ----

    private static Map<String, Tensor> readZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = archivePrefix(file, zip);
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry byteorder = zip.getEntry(prefix + "byteorder");
            if (byteorder != null) {
                String o = new String(entryBytes(file, zip, byteorder, 16), StandardCharsets.US_ASCII).strip();
                if (o.equals("big")) order = ByteOrder.BIG_ENDIAN;
                else if (!o.equals("little")) throw FormatException.in(file, "byteorder '" + o + "'");
            }
            ZipEntry pkl = zip.getEntry(prefix + "data.pkl");
            byte[] pickle = entryBytes(file, zip, pkl, MAX_PICKLE_BYTES);
            Map<String, Storage> storages = new HashMap<>();
            Object root = Pickle.load(file, ByteBuffer.wrap(pickle), ALLOWED_GLOBALS, new Calls(file, storages, false));
            Map<String, PendingTensor> pending = stateDict(file, root);
            Map<String, float[]> data = new HashMap<>();
            for (PendingTensor t : pending.values()) {
                Storage s = t.storage().root();
                if (data.containsKey(s.key())) continue;
                ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
                if (e == null) throw FormatException.in(file, "storage '" + s.key() + "' is missing from the archive");
                long bytes = s.numel() * s.dtype().bytes;
                long stored = e.getMethod() == ZipEntry.STORED ? e.getCompressedSize() : e.getCompressedSize() * MAX_DEFLATE_RATIO;
                if (bytes > stored || bytes > Integer.MAX_VALUE - 8) {
                    throw FormatException.in(file, "storage '" + s.key() + "' declares " + s.numel() + " " + s.dtype()
                            + " elements, more than its " + e.getCompressedSize() + "-byte entry holds");
                }
                byte[] raw = entryBytes(file, zip, e, (int) bytes);
                if (raw.length < bytes) {
                    throw FormatException.in(file, "storage '" + s.key() + "' has " + raw.length + " bytes, "
                            + bytes + " needed");
                }
                data.put(s.key(), s.dtype().toFloats(MemorySegment.ofArray(raw), 0, (int) s.numel(), order));
            }
            return tensors(file, pending, data);
        } catch (ZipException e) {
            throw FormatException.in(file, "not a valid zip archive: " + e.getMessage());
        }
    }

    /** The folder every entry of a torch archive sits in ("archive/", or the file's stem). */
    private static String archivePrefix(Path file, ZipFile zip) {
        String prefix = null;
        boolean torchScript = false;
        for (ZipEntry e : java.util.Collections.list(zip.entries())) {
            String name = e.getName();
            int slash = name.indexOf('/');
            if (slash < 0) throw FormatException.in(file, "zip entry '" + name + "' is outside the archive's folder");
            String rest = name.substring(slash + 1);
            if (rest.equals("data.pkl")) {
                if (prefix != null) throw FormatException.in(file, "two data.pkl entries: not one checkpoint");
                prefix = name.substring(0, slash + 1);
            }
            if (rest.equals("constants.pkl") || rest.startsWith("code/")) torchScript = true;
        }
        if (torchScript) {
            throw FormatException.in(file, "a TorchScript archive (torch.jit.save), not a checkpoint: save the"
                    + " model's state dict with torch.save(model.state_dict(), f) instead");
        }
        if (prefix == null) throw FormatException.in(file, "a zip archive without data.pkl: not a PyTorch checkpoint");
        return prefix;
    }

    private static byte[] entryBytes(Path file, ZipFile zip, ZipEntry e, int limit) throws IOException {
        if (e.getSize() > limit) {
            throw FormatException.in(file, "entry '" + e.getName() + "' is " + e.getSize() + " bytes, over the "
                    + limit + " expected");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readNBytes(limit);
        } catch (ZipException | java.io.EOFException ex) {
            // EOF: the entry's local header or data lies past the end of the file
            throw FormatException.in(file, "entry '" + e.getName() + "' is corrupt or cut short: " + ex);
        }
    }

    // ---- the legacy stream ----

    private static Map<String, Tensor> readLegacy(Path file, long size) throws IOException {
        if (size > Integer.MAX_VALUE - 8) {
            throw FormatException.in(file, "a legacy-format checkpoint of " + size + " bytes; above 2 GiB re-save it"
                    + " with torch >= 1.6");
        }
        ByteBuffer in = ByteBuffer.wrap(java.nio.file.Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        Calls noTensors = new Calls(file, new HashMap<>(), true);
        Object magic = Pickle.load(file, in, Set.of(), noTensors);
        if (!LEGACY_MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) {
            throw FormatException.in(file, "a pickle, but not a PyTorch checkpoint (no torch magic number)");
        }
        Object protocol = Pickle.load(file, in, Set.of(), noTensors);
        if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol)) {
            throw FormatException.in(file, "legacy checkpoint protocol " + protocol + " (only " + LEGACY_PROTOCOL + " is read)");
        }
        if (!(Pickle.load(file, in, Set.of(), noTensors) instanceof Map<?, ?> sysInfo)) {
            throw FormatException.in(file, "the legacy header's system info is not a dict");
        }
        if (!Boolean.TRUE.equals(sysInfo.get("little_endian"))) {
            throw FormatException.in(file, "written on a big-endian machine; re-save it with torch >= 1.6");
        }
        Map<String, Storage> storages = new LinkedHashMap<>();
        Object root = Pickle.load(file, in, ALLOWED_GLOBALS, new Calls(file, storages, true));
        Map<String, PendingTensor> pending = stateDict(file, root);
        if (!(Pickle.load(file, in, Set.of(), noTensors) instanceof List<?> keys)) {
            throw FormatException.in(file, "the list of storage keys is missing");
        }
        Map<String, float[]> data = new HashMap<>();
        for (Object k : keys) {
            Storage s = storages.get(String.valueOf(k));
            if (s == null) throw FormatException.in(file, "storage '" + k + "' is stored but no tensor names it");
            if (in.remaining() < 8) throw FormatException.in(file, "truncated before storage '" + k + "'");
            long numel = in.getLong();
            long bytes = numel * s.dtype().bytes;
            if (numel != s.numel() || numel < 0 || bytes > in.remaining()) {
                throw FormatException.in(file, "storage '" + k + "' holds " + numel + " elements where the pickle says "
                        + s.numel() + ", with " + in.remaining() + " bytes left in the file");
            }
            MemorySegment segment = MemorySegment.ofBuffer(in.slice(in.position(), (int) bytes));
            data.put(s.key(), s.dtype().toFloats(segment, 0, (int) numel, ByteOrder.LITTLE_ENDIAN));
            in.position(in.position() + (int) bytes);
        }
        return tensors(file, pending, data);
    }

    // ---- the pickle's tensors ----

    /** Storages and rebuild calls as torch pickles them, without reading any data. */
    private record Calls(Path file, Map<String, Storage> storages, boolean legacy) implements Pickle.Calls {
        @Override
        public Object persistentLoad(Object pid) {
            // zip:    ('storage', storage_type, key, location, numel)
            // legacy: ('storage', storage_type, root_key, location, numel, view_metadata)
            if (!(pid instanceof Pickle.Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))
                    || !(t.get(1) instanceof Pickle.Global type) || !(t.get(4) instanceof Long numel) || numel < 0) {
                throw FormatException.in(file, "a persistent id that is not a storage: " + describe(pid));
            }
            String key = String.valueOf(t.get(2));
            Storage s = new Storage(key, dtype(type), numel);
            Storage known = storages.putIfAbsent(key, s);
            if (known != null && !known.equals(s)) {
                throw FormatException.in(file, "storage '" + key + "' is named as both " + known + " and " + s);
            }
            if (legacy && t.size() > 5 && t.get(5) instanceof Pickle.Tuple view) {
                // (view_key, offset, view_size): a sub-storage of the root
                if (view.size() != 3 || !(view.get(1) instanceof Long off) || !(view.get(2) instanceof Long n)
                        || off < 0 || n < 0 || off + n > numel) {
                    throw FormatException.in(file, "storage view " + describe(view) + " does not fit storage '" + key + "'");
                }
                return new StorageView(s, off, n);
            }
            return new StorageView(s, 0, numel);
        }

        private DType dtype(Pickle.Global type) {
            return switch (type.name()) {
                case "FloatStorage" -> DType.F32;
                case "HalfStorage" -> DType.F16;
                case "BFloat16Storage" -> DType.BF16;
                case "DoubleStorage" -> DType.F64;
                case "LongStorage" -> DType.I64;
                case "IntStorage" -> DType.I32;
                case "ByteStorage" -> DType.U8;
                default -> throw FormatException.in(file, "storage type " + type + " is not read");
            };
        }

        @Override
        public Object call(Pickle.Global f, Pickle.Tuple args) {
            return switch (f.toString()) {
                case "collections.OrderedDict" -> {
                    if (args.size() != 0) throw FormatException.in(file, "OrderedDict called with " + describe(args));
                    yield new LinkedHashMap<>();
                }
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                    // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
                    if (args.size() < 4 || !(args.get(0) instanceof StorageView s) || !(args.get(1) instanceof Long offset)
                            || !(args.get(2) instanceof Pickle.Tuple size) || !(args.get(3) instanceof Pickle.Tuple stride)
                            || size.size() != stride.size()) {
                        throw FormatException.in(file, f + " called with " + describe(args));
                    }
                    yield new PendingTensor(s, offset, ints(size), longs(stride));
                }
                case "torch._utils._rebuild_parameter" -> {
                    if (args.size() < 1 || !(args.get(0) instanceof PendingTensor t)) {
                        throw FormatException.in(file, f + " called with " + describe(args));
                    }
                    yield t;
                }
                default -> throw FormatException.in(file, "global " + f + " cannot be called");
            };
        }

        private int[] ints(Pickle.Tuple t) {
            int[] v = new int[t.size()];
            for (int i = 0; i < v.length; i++) {
                if (!(t.get(i) instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
                    throw FormatException.in(file, "tensor size " + describe(t) + " is not a list of dimensions");
                }
                v[i] = (int) (long) l;
            }
            return v;
        }

        private long[] longs(Pickle.Tuple t) {
            long[] v = new long[t.size()];
            for (int i = 0; i < v.length; i++) {
                if (!(t.get(i) instanceof Long l) || l < 0) {
                    throw FormatException.in(file, "tensor stride " + describe(t) + " is not a list of non-negative steps");
                }
                v[i] = l;
            }
            return v;
        }
    }

    /** The dict of tensors in the unpickled object, by the rules in the class comment. */
    private static Map<String, PendingTensor> stateDict(Path file, Object root) {
        if (!(root instanceof Map<?, ?> top)) {
            throw FormatException.in(file, "holds a " + Pickle.typeName(root) + ", not a state dict");
        }
        List<Map<?, ?>> candidates = new ArrayList<>();
        candidates.add(top);
        for (String k : NESTED_STATE_DICT_KEYS) if (top.get(k) instanceof Map<?, ?> m) candidates.add(m);
        for (Map<?, ?> m : candidates) {
            if (m.isEmpty() || !m.values().stream().allMatch(v -> v instanceof PendingTensor)) continue;
            Map<String, PendingTensor> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String name)) {
                    throw FormatException.in(file, "a state dict key of type " + Pickle.typeName(e.getKey()));
                }
                out.put(name, (PendingTensor) e.getValue());
            }
            return out;
        }
        throw FormatException.in(file, "no state dict in it: a dict whose values are all tensors, at the top or under "
                + NESTED_STATE_DICT_KEYS + "; the top level has " + top.keySet());
    }

    private static Map<String, Tensor> tensors(Path file, Map<String, PendingTensor> pending, Map<String, float[]> data) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, PendingTensor> e : pending.entrySet()) {
            PendingTensor t = e.getValue();
            float[] storage = data.get(t.storage().root().key());
            if (storage == null) throw FormatException.in(file, "tensor '" + e.getKey() + "': its storage was never stored");
            out.put(e.getKey(), gather(file, e.getKey(), t, storage));
        }
        return out;
    }

    /** The tensor's elements in C order: storage[offset + sum_d index_d * stride_d], inside its storage view. */
    private static Tensor gather(Path file, String name, PendingTensor t, float[] storage) {
        Shape shape;
        try {
            shape = Shape.of(t.size());
        } catch (RuntimeException ex) {
            throw FormatException.in(file, "tensor '" + name + "': size " + Arrays.toString(t.size()) + ": " + ex.getMessage());
        }
        long count = shape.size();
        if (count == 0) return Tensor.zeros(shape);
        long base = t.storage().offset() + t.offset();
        long last;
        try {
            last = Math.addExact(t.offset(), 0);
            for (int d = 0; d < t.size().length; d++) last = Math.addExact(last, Math.multiplyExact(t.size()[d] - 1L, t.stride()[d]));
        } catch (ArithmeticException ex) {
            last = Long.MAX_VALUE;
        }
        if (t.offset() < 0 || last >= t.storage().numel() || count > Integer.MAX_VALUE - 8) {
            throw FormatException.in(file, "tensor '" + name + "' of size " + Arrays.toString(t.size()) + ", stride "
                    + Arrays.toString(t.stride()) + " at offset " + t.offset() + " reaches past its storage of "
                    + t.storage().numel() + " elements");
        }
        float[] out = new float[(int) count];
        int rank = t.size().length;
        int[] index = new int[rank];
        long at = base;
        for (int i = 0; i < out.length; i++) {
            out[i] = storage[(int) at];
            // Advance the last dimension, carrying into earlier ones (an odometer over the strides).
            for (int d = rank - 1; d >= 0; d--) {
                at += t.stride()[d];
                if (++index[d] < t.size()[d]) break;
                at -= t.stride()[d] * t.size()[d];
                index[d] = 0;
            }
        }
        return Tensor.wrap(out, shape);
    }

    private static String describe(Object o) {
        String s = switch (o) {
            case null -> "None";
            case Pickle.Tuple t -> t.items().stream().map(PyTorchCheckpoint::describe).toList().toString();
            case StorageView v -> "storage '" + v.root().key() + "'";
            case PendingTensor p -> "tensor";
            default -> String.valueOf(o);
        };
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x & 0xff));
        return sb.toString();
    }
}
