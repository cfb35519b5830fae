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

    /**
     * Checks everything {@link #read} would, without decoding or allocating the data: dims, type, the
     * inline data's size, and for external data its location and that the file holds the bytes.
     *
     * @throws FormatException naming the tensor, as {@link #read} would
     */
    void check(TensorProto t, String name) {
        int n = elementCount(dims(t, name), name);
        int type = t.getDataType();
        int width = elementBytes(type, name);
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            external(t, name, (long) n * width);
        } else if (t.hasRawData()) {
            checkRawSize(t, name, n, width);
        } else {
            checkCount(name, typedField(type), typedCount(t, type), n);
        }
    }

    private int elementCount(long[] dims, String name) {
        long count = Constant.count(dims, Constant.MAX_ELEMENTS);
        if (count < 0) {
            throw error(name, "dims " + java.util.Arrays.toString(dims) + " hold more than " + Constant.MAX_ELEMENTS
                    + " elements");
        }
        return (int) count;
    }

    private long[] dims(TensorProto t, String name) {
        long[] dims = new long[t.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
            if (dims[i] < 0) throw error(name, "dimension " + i + " is negative (" + dims[i] + ")");
        }
        return dims;
    }

    private void checkRawSize(TensorProto t, String name, int n, int width) {
        long bytes = t.getRawData().size();
        if (bytes != (long) n * width) {
            throw error(name, "raw_data holds " + bytes + " bytes, dims " + java.util.Arrays.toString(dims(t, name))
                    + " of " + typeName(t.getDataType()) + " need " + (long) n * width);
        }
    }

    /** The typed field that holds a tensor of {@code type} without raw_data (FLOAT16 and the small integers share int32_data). */
    private static String typedField(int type) {
        return switch (DataType.forNumber(type)) {
            case FLOAT -> "float_data";
            case DOUBLE -> "double_data";
            case INT64 -> "int64_data";
            default -> "int32_data";
        };
    }

    private static int typedCount(TensorProto t, int type) {
        return switch (DataType.forNumber(type)) {
            case FLOAT -> t.getFloatDataCount();
            case DOUBLE -> t.getDoubleDataCount();
            case INT64 -> t.getInt64DataCount();
            default -> t.getInt32DataCount();
        };
    }

    /** {@return the tensor's value, decoded} Checks it as {@link #check} does, first. */
    Constant read(TensorProto t, String name) {
        long[] dims = dims(t, name);
        int n = elementCount(dims, name);
        int type = t.getDataType();
        int width = elementBytes(type, name);
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return decode(type, dims, readExternal(t, name, (long) n * width), n);
        }
        if (t.hasRawData()) {
            checkRawSize(t, name, n, width);
            return decode(type, dims, t.getRawData().asReadOnlyByteBuffer(), n);
        }
        checkCount(name, typedField(type), typedCount(t, type), n);
        return switch (DataType.forNumber(type)) {
            case FLOAT -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = t.getFloatData(i);
                yield Constant.ofFloats(dims, f);
            }
            case DOUBLE -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = (float) t.getDoubleData(i);
                yield Constant.ofFloats(dims, f);
            }
            case FLOAT16 -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = Float.float16ToFloat((short) t.getInt32Data(i));
                yield Constant.ofFloats(dims, f);
            }
            case INT64 -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = t.getInt64Data(i);
                yield Constant.ofInts(dims, v);
            }
            default -> { // INT32, INT16, INT8, UINT16, UINT8, BOOL: all stored in int32_data
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

    /** Where a tensor's external data lies, checked: a file inside the model's folder that holds its bytes. */
    private record ExternalData(Path file, String location, long offset) {}

    /**
     * Finds {@code bytes} bytes of external data. The location must be a relative path that stays inside
     * the model's folder (symbolic links resolved), and offset + length must lie within the file.
     */
    private ExternalData external(TensorProto t, String name, long bytes) {
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
            long size = Files.size(data);
            if (offset > size || bytes > size - offset) {
                throw error(name, "external data [" + offset + ", " + (offset + bytes) + ") lies past the end of '"
                        + location + "' (" + size + " bytes)");
            }
        } catch (java.nio.file.InvalidPathException e) {
            throw error(name, "external data location '" + location + "' is not a valid path");
        } catch (NoSuchFileException e) {
            throw error(name, "external data file '" + location + "' does not exist");
        } catch (IOException e) {
            throw new FormatException(file + ": tensor '" + name + "': cannot open external data '" + location
                    + "': " + e.getMessage(), e);
        }
        return new ExternalData(data, location, offset);
    }

    /** Reads {@code bytes} bytes of external data (see {@link #external}). */
    private ByteBuffer readExternal(TensorProto t, String name, long bytes) {
        ExternalData at = external(t, name, bytes);
        try (FileChannel ch = FileChannel.open(at.file(), StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) bytes);
            while (buf.hasRemaining()) {
                if (ch.read(buf, at.offset() + buf.position()) < 0) {
                    throw error(name, "'" + at.location() + "' ended early");
                }
            }
            return buf.flip();
        } catch (IOException e) {
            throw new FormatException(file + ": tensor '" + name + "': cannot read external data '" + at.location()
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
