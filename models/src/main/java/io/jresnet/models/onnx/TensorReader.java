package io.jresnet.models.onnx;

import io.jresnet.FormatException;
import io.jresnet.models.onnx.proto.OnnxProto.StringStringEntryProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorProto.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Decodes {@link TensorProto}s (initializers, {@code Constant} values) into {@link Constant}s,
 * from inline data (raw_data or the typed fields) or from an external data file next to the
 * model. Every size is checked against the dims before anything is allocated.
 */
final class TensorReader {
    private final Path file;
    private final Path directory;

    /** @param file the model file, named in every error; external data paths are relative to its folder */
    TensorReader(Path file) {
        this.file = file;
        Path parent = file.toAbsolutePath().getParent();
        this.directory = parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    private FormatException error(String tensor, String problem) {
        return FormatException.in(file, "tensor '" + tensor + "': " + problem);
    }

    Constant read(TensorProto t, String name) {
        long[] dims = new long[t.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
            if (dims[i] < 0) throw error(name, "dimension " + i + " is negative (" + dims[i] + ")");
        }
        long count = Constant.count(dims, Constant.MAX_ELEMENTS);
        if (count < 0) {
            throw error(name, "dims " + java.util.Arrays.toString(dims) + " hold more than " + Constant.MAX_ELEMENTS
                    + " elements");
        }
        int n = (int) count;
        int type = t.getDataType();
        int width = elementBytes(type, name);
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return decode(type, dims, readExternal(t, name, (long) n * width), n);
        }
        if (t.hasRawData()) {
            long bytes = t.getRawData().size();
            if (bytes != (long) n * width) {
                throw error(name, "raw_data holds " + bytes + " bytes, dims " + java.util.Arrays.toString(dims) + " of "
                        + typeName(type) + " need " + (long) n * width);
            }
            return decode(type, dims, t.getRawData().asReadOnlyByteBuffer(), n);
        }
        return switch (DataType.forNumber(type)) {
            case FLOAT -> {
                checkCount(name, "float_data", t.getFloatDataCount(), n);
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = t.getFloatData(i);
                yield Constant.ofFloats(dims, f);
            }
            case DOUBLE -> {
                checkCount(name, "double_data", t.getDoubleDataCount(), n);
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = (float) t.getDoubleData(i);
                yield Constant.ofFloats(dims, f);
            }
            case FLOAT16 -> {
                checkCount(name, "int32_data", t.getInt32DataCount(), n);
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = Float.float16ToFloat((short) t.getInt32Data(i));
                yield Constant.ofFloats(dims, f);
            }
            case INT64 -> {
                checkCount(name, "int64_data", t.getInt64DataCount(), n);
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = t.getInt64Data(i);
                yield Constant.ofInts(dims, v);
            }
            default -> { // INT32, INT16, INT8, UINT16, UINT8, BOOL: all stored in int32_data
                checkCount(name, "int32_data", t.getInt32DataCount(), n);
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = t.getInt32Data(i);
                yield Constant.ofInts(dims, v);
            }
        };
    }

    private void checkCount(String name, String field, int found, int expected) {
        if (found != expected) {
            throw error(name, field + " holds " + found + " values, dims need " + expected);
        }
    }

    /** Bytes per element of the types jresnet reads; anything else is rejected, named. */
    private int elementBytes(int type, String name) {
        DataType dt = DataType.forNumber(type);
        if (dt == null) throw error(name, "unknown data_type " + type);
        return switch (dt) {
            case FLOAT, INT32 -> 4;
            case DOUBLE, INT64 -> 8;
            case FLOAT16, INT16, UINT16 -> 2;
            case INT8, UINT8, BOOL -> 1;
            default -> throw error(name, "data_type " + dt + " is not supported (FLOAT, FLOAT16, DOUBLE and"
                    + " integer types are)");
        };
    }

    static String typeName(int type) {
        DataType dt = DataType.forNumber(type);
        return dt == null ? "data_type " + type : dt.name();
    }

    private static Constant decode(int type, long[] dims, ByteBuffer bytes, int n) {
        ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (DataType.forNumber(type)) {
            case FLOAT -> {
                float[] f = new float[n];
                b.asFloatBuffer().get(f);
                return Constant.ofFloats(dims, f);
            }
            case DOUBLE -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = (float) b.getDouble(8 * i);
                return Constant.ofFloats(dims, f);
            }
            case FLOAT16 -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = Float.float16ToFloat(b.getShort(2 * i));
                return Constant.ofFloats(dims, f);
            }
            default -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = switch (DataType.forNumber(type)) {
                        case INT64 -> b.getLong(8 * i);
                        case INT32 -> b.getInt(4 * i);
                        case INT16 -> b.getShort(2 * i);
                        case UINT16 -> Short.toUnsignedInt(b.getShort(2 * i));
                        case INT8 -> b.get(i);
                        default -> Byte.toUnsignedInt(b.get(i)); // UINT8, BOOL
                    };
                }
                return Constant.ofInts(dims, v);
            }
        }
    }

    /**
     * Reads {@code bytes} bytes of external data. The location must be a relative path that stays inside
     * the model's folder (symbolic links resolved), and offset + length must lie within the file.
     */
    private ByteBuffer readExternal(TensorProto t, String name, long bytes) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parseLong(name, "offset", e.getValue());
                case "length" -> length = parseLong(name, "length", e.getValue());
                default -> { } // checksum and future keys do not change where the data is
            }
        }
        if (location == null || location.isEmpty()) throw error(name, "external data without a location");
        if (bytes > Integer.MAX_VALUE - 8) throw error(name, "external data of " + bytes + " bytes is too large");
        if (length >= 0 && length != bytes) {
            throw error(name, "external data length " + length + " bytes, dims need " + bytes);
        }
        Path data;
        try {
            Path relative = Path.of(location);
            if (relative.isAbsolute()) throw error(name, "external data location '" + location + "' is absolute");
            Path root = directory.toRealPath();
            data = root.resolve(relative).normalize();
            if (!data.startsWith(root)) {
                throw error(name, "external data location '" + location + "' escapes the model's folder");
            }
            data = data.toRealPath();
            if (!data.startsWith(root)) {
                throw error(name, "external data location '" + location + "' links outside the model's folder");
            }
        } catch (java.nio.file.InvalidPathException e) {
            throw error(name, "external data location '" + location + "' is not a valid path");
        } catch (NoSuchFileException e) {
            throw error(name, "external data file '" + location + "' does not exist");
        } catch (IOException e) {
            throw new FormatException(file + ": tensor '" + name + "': cannot open external data '" + location
                    + "': " + e.getMessage(), e);
        }
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
            long size = ch.size();
            if (offset > size || bytes > size - offset) {
                throw error(name, "external data [" + offset + ", " + (offset + bytes) + ") lies past the end of '"
                        + location + "' (" + size + " bytes)");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) bytes);
            while (buf.hasRemaining()) {
                if (ch.read(buf, offset + buf.position()) < 0) throw error(name, "'" + location + "' ended early");
            }
            return buf.flip();
        } catch (IOException e) {
            throw new FormatException(file + ": tensor '" + name + "': cannot read external data '" + location
                    + "': " + e.getMessage(), e);
        }
    }

    private long parseLong(String name, String key, String value) {
        try {
            long v = Long.parseLong(value.trim());
            if (v < 0) throw error(name, "external data " + key + " is negative (" + v + ")");
            return v;
        } catch (NumberFormatException e) {
            throw error(name, "external data " + key + " '" + value + "' is not an integer");
        }
    }
}
