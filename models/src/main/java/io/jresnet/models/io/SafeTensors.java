package io.jresnet.models.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jresnet.FormatException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor
 * name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the data
 * area) plus an optional {@code "__metadata__"} string map, then the data area.
 *
 * <p>Reading validates the whole header against the file before touching the data: sizes match
 * dtype and shape, offsets lie inside the data area and tile it without gaps or overlaps (as the
 * reference implementation requires), names are unique. F32, F16, BF16, F64, I64 and I32 are read
 * and converted to float32. Writing uses F32, and I64 for {@code num_batches_tracked} counters so
 * torch reads them back as the integers they are.
 */
public final class SafeTensors {
    /** The reference implementation's limit on the header; also bounds what a lying length can make us read. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final String METADATA = "__metadata__";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private SafeTensors() {}

    /**
     * The tensors of a file, in the order of the file's header, and its metadata.
     *
     * @param tensors every tensor by name, converted to float32
     * @param metadata the {@code __metadata__} map (empty when absent)
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
        /** Copies both maps into unmodifiable ones, keeping the tensors' order. */
        public Contents {
            tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Map.copyOf(metadata);
        }
    }

    private record Entry(String name, DType dtype, int[] dims, long begin, long end) {}

    /**
     * {@return every tensor of a safetensors file, as float32, and its metadata}
     *
     * @param file the file; it is memory-mapped while read, then closed
     * @throws io.jresnet.FormatException naming the file when its header or data are invalid
     * @throws java.io.IOException if the file cannot be read
     */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            long fileSize = ch.size();
            if (fileSize < 8) {
                throw FormatException.in(file, "truncated: " + fileSize + " bytes is too short for a safetensors header");
            }
            long headerLength = TensorChannels.readExactly(ch, file, 0, 8).getLong();
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw FormatException.in(file, "not a safetensors file: header length "
                        + Long.toUnsignedString(headerLength) + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
            }
            if (headerLength > fileSize - 8) {
                throw FormatException.in(file, "truncated: header length " + headerLength + " is past the end of the "
                        + fileSize + "-byte file");
            }
            if (headerLength < 2) {
                throw FormatException.in(file, "not a safetensors file: header length " + headerLength);
            }
            ByteBuffer header = TensorChannels.readExactly(ch, file, 8, (int) headerLength);
            if (header.get(0) != '{') {
                throw FormatException.in(file, "not a safetensors file: the header does not start with '{'");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = parseHeader(file, header.array(), metadata);
            long dataStart = 8 + headerLength;
            checkLayout(file, entries, fileSize - dataStart);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            if (fileSize == dataStart) {
                for (Entry e : entries) tensors.put(e.name(), Tensor.wrap(new float[0], Shape.of(e.dims())));
            } else {
                TensorChannels.readMapped(ch, file, dataStart, fileSize - dataStart, data -> {
                    for (Entry e : entries) {
                        int count = (int) ((e.end() - e.begin()) / e.dtype().bytes);
                        float[] values = count == 0 ? new float[0]
                                : e.dtype().toFloats(data, e.begin(), count, ByteOrder.LITTLE_ENDIAN);
                        tensors.put(e.name(), Tensor.wrap(values, Shape.of(e.dims())));
                    }
                    return tensors;
                });
            }
            return new Contents(tensors, metadata);
        }
    }

    private static List<Entry> parseHeader(Path file, byte[] json, Map<String, String> metadata) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw FormatException.in(file, "corrupt header JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw FormatException.in(file, "corrupt header JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw FormatException.in(file, "the header is not a JSON object");
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode v = field.getValue();
            if (name.equals(METADATA)) {
                if (!v.isObject()) throw FormatException.in(file, "__metadata__ is not a JSON object");
                for (Map.Entry<String, JsonNode> m : v.properties()) {
                    if (!m.getValue().isTextual()) {
                        throw FormatException.in(file, "__metadata__ value '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().textValue());
                }
                continue;
            }
            entries.add(entry(file, name, v));
        }
        return entries;
    }

    private static Entry entry(Path file, String name, JsonNode v) {
        String where = "tensor '" + name + "'";
        if (!v.isObject()) throw FormatException.in(file, where + ": expected a JSON object, found " + v.getNodeType());
        JsonNode dtypeNode = v.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw FormatException.in(file, where + ": missing dtype");
        DType dtype = switch (dtypeNode.textValue()) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            case "F64" -> DType.F64;
            case "I64" -> DType.I64;
            case "I32" -> DType.I32;
            default -> throw FormatException.in(file, where + ": unsupported dtype '" + dtypeNode.textValue()
                    + "' (expected F32, F16, BF16, F64, I64 or I32)");
        };
        JsonNode shapeNode = v.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) throw FormatException.in(file, where + ": missing shape");
        int[] dims = new int[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0 || d.longValue() > Integer.MAX_VALUE) {
                throw FormatException.in(file, where + ": dimension " + i + " of shape " + shapeNode
                        + " is not an integer in [0, " + Integer.MAX_VALUE + "]");
            }
            dims[i] = d.intValue();
            count = multiply(file, where, count, dims[i], shapeNode);
        }
        JsonNode offsets = v.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw FormatException.in(file, where + ": data_offsets must be [begin, end], found " + offsets);
        }
        for (JsonNode o : offsets) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
                throw FormatException.in(file, where + ": data_offsets " + offsets + " are not non-negative 64-bit integers");
            }
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (end < begin) {
            throw FormatException.in(file, where + ": data_offsets " + offsets + " end before they begin");
        }
        long bytes = multiply(file, where, count, dtype.bytes, shapeNode);
        if (end - begin != bytes) {
            throw FormatException.in(file, where + ": " + dtype + " of shape " + shapeNode + " needs " + bytes
                    + " bytes, but data_offsets " + offsets + " span " + (end - begin));
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw FormatException.in(file, where + ": shape " + shapeNode + " holds " + count
                    + " elements, more than one tensor can");
        }
        return new Entry(name, dtype, dims, begin, end);
    }

    private static long multiply(Path file, String where, long a, long b, JsonNode shape) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw FormatException.in(file, where + ": shape " + shape + " overflows a 64-bit size");
        }
    }

    /** The tensors must tile the data area exactly: sorted by offset, each begins where the last ended. */
    private static void checkLayout(Path file, List<Entry> entries, long dataLength) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.end() > dataLength) {
                throw FormatException.in(file, "tensor '" + e.name() + "': data_offsets [" + e.begin() + ", " + e.end()
                        + "] run past the end of the " + dataLength + "-byte data area (truncated file?)");
            }
            if (e.begin() < expected) {
                throw FormatException.in(file, "tensor '" + e.name() + "': data_offsets [" + e.begin() + ", " + e.end()
                        + "] overlap tensor '" + previous + "', which ends at " + expected);
            }
            if (e.begin() > expected) {
                throw FormatException.in(file, "tensor '" + e.name() + "': data_offsets [" + e.begin() + ", " + e.end()
                        + "] leave a gap after byte " + expected);
            }
            expected = e.end();
            previous = e.name();
        }
        if (expected != dataLength) {
            throw FormatException.in(file, "the data area has " + dataLength + " bytes but the tensors cover "
                    + expected + " (trailing bytes)");
        }
    }

    /**
     * Writes tensors as F32 (integer-valued {@code *num_batches_tracked} counters as I64) with the
     * given metadata, in the map's order, through a temporary file renamed at the end.
     *
     * @param file the file, replaced if it exists
     * @param tensors the tensors by name
     * @param metadata string pairs for {@code __metadata__}
     * @throws java.io.IOException if the file cannot be written
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            new java.util.TreeMap<>(metadata).forEach(meta::put);
        }
        Map<String, Boolean> asI64 = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) throw new IllegalArgumentException("a tensor cannot be named " + METADATA);
            Tensor t = e.getValue();
            boolean i64 = e.getKey().endsWith("num_batches_tracked") && integral(t);
            asI64.put(e.getKey(), i64);
            long bytes = (long) t.size() * (i64 ? Long.BYTES : Float.BYTES);
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", i64 ? "I64" : "F32");
            var shape = n.putArray("shape");
            for (int d : t.shape().dims()) shape.add(d);
            n.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // Pad with spaces to a multiple of 8 so the data area is aligned, as the reference writer does.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        TensorChannels.writeAtomically(file, ch -> {
            TensorChannels.writeFully(ch, head.flip());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                if (asI64.get(e.getKey())) TensorChannels.writeI64(ch, e.getValue());
                else TensorChannels.writeF32(ch, e.getValue());
            }
        });
    }

    private static boolean integral(Tensor t) {
        for (int i = 0; i < t.size(); i++) {
            float v = t.array()[t.offset() + i];
            if (v != Math.rint(v) || Math.abs(v) > 1e15f) return false;
        }
        return true;
    }
}
