package io.jresnet.models.onnx;

import io.jresnet.FormatException;
import io.jresnet.models.onnx.proto.OnnxProto.AttributeProto;
import io.jresnet.models.onnx.proto.OnnxProto.AttributeProto.AttributeType;
import io.jresnet.models.onnx.proto.OnnxProto.NodeProto;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Typed, checked access to one node's attributes; a missing or ill-typed attribute is a named FormatException. */
final class Attributes {
    private final Path file;
    private final String node;
    private final Map<String, AttributeProto> byName = new HashMap<>();

    Attributes(Path file, NodeProto n, String nodeLabel) {
        this.file = file;
        this.node = nodeLabel;
        for (AttributeProto a : n.getAttributeList()) {
            if (byName.put(a.getName(), a) != null) throw error("attribute '" + a.getName() + "' appears twice");
        }
    }

    private FormatException error(String problem) {
        return FormatException.in(file, node + ": " + problem);
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    /**
     * The attribute's type: the {@code type} field, or for files older than IR version 2 the one value
     * field that is set.
     */
    private AttributeType typeOf(AttributeProto a) {
        if (a.hasType() && a.getType() != AttributeType.UNDEFINED) return a.getType();
        if (a.hasF()) return AttributeType.FLOAT;
        if (a.hasI()) return AttributeType.INT;
        if (a.hasS()) return AttributeType.STRING;
        if (a.hasT()) return AttributeType.TENSOR;
        if (a.getIntsCount() > 0) return AttributeType.INTS;
        if (a.getFloatsCount() > 0) return AttributeType.FLOATS;
        return AttributeType.UNDEFINED;
    }

    private AttributeProto get(String name, AttributeType type) {
        AttributeProto a = byName.get(name);
        if (a == null) return null;
        AttributeType t = typeOf(a);
        if (t != type) throw error("attribute '" + name + "' should be " + type + ", found " + t);
        return a;
    }

    long integer(String name, long fallback) {
        AttributeProto a = get(name, AttributeType.INT);
        return a == null ? fallback : a.getI();
    }

    /** An INT attribute that must fit an int and lie in [min, max]. */
    int integer(String name, long fallback, int min, int max) {
        long v = integer(name, fallback);
        if (v < min || v > max) throw error("attribute '" + name + "' = " + v + " is outside [" + min + ", " + max + "]");
        return (int) v;
    }

    float real(String name, float fallback) {
        AttributeProto a = get(name, AttributeType.FLOAT);
        return a == null ? fallback : a.getF();
    }

    String string(String name, String fallback) {
        AttributeProto a = get(name, AttributeType.STRING);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    /** An INTS attribute, or null when absent. */
    long[] integers(String name) {
        AttributeProto a = byName.get(name);
        if (a == null) return null;
        AttributeType t = typeOf(a);
        // An empty list has no value field set, so it reads as UNDEFINED in old files.
        if (t != AttributeType.INTS && !(t == AttributeType.UNDEFINED && !a.hasType())) {
            throw error("attribute '" + name + "' should be INTS, found " + t);
        }
        long[] r = new long[a.getIntsCount()];
        for (int i = 0; i < r.length; i++) r[i] = a.getInts(i);
        return r;
    }

    /** An INTS attribute of exactly {@code length} values in [min, max], or {@code fallback} when absent. */
    int[] integers(String name, int length, int[] fallback, int min, int max) {
        long[] v = integers(name);
        if (v == null) return fallback;
        if (v.length != length) {
            throw error("attribute '" + name + "' has " + v.length + " values, expected " + length);
        }
        int[] r = new int[length];
        for (int i = 0; i < length; i++) {
            if (v[i] < min || v[i] > max) {
                throw error("attribute '" + name + "' value " + v[i] + " is outside [" + min + ", " + max + "]");
            }
            r[i] = (int) v[i];
        }
        return r;
    }

    float[] reals(String name) {
        AttributeProto a = get(name, AttributeType.FLOATS);
        if (a == null) return null;
        float[] r = new float[a.getFloatsCount()];
        for (int i = 0; i < r.length; i++) r[i] = a.getFloats(i);
        return r;
    }

    AttributeProto tensor(String name) {
        return get(name, AttributeType.TENSOR);
    }

    /** The names of all attributes, for errors about ones jresnet cannot honour. */
    java.util.Set<String> names() {
        return byName.keySet();
    }
}
