package io.jresnet.models.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.jresnet.FormatException;
import io.jresnet.UnsupportedLayerException;
import io.jresnet.models.onnx.proto.OnnxProto.GraphProto;
import io.jresnet.models.onnx.proto.OnnxProto.ModelProto;
import io.jresnet.models.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorShapeProto;
import io.jresnet.models.onnx.proto.OnnxProto.ValueInfoProto;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads ONNX model files (opsets {@value #MIN_OPSET} to {@value #MAX_OPSET}) into an {@link OnnxModel}:
 * parses the protobuf, checks every initializer (inline or external) and finds the one image
 * input. Turning the nodes into a jresnet graph happens per input shape in {@link OnnxModel#toGraph}.
 */
public final class OnnxImporter {
    /** The oldest opset it reads: {@value}. */
    public static final int MIN_OPSET = 7;
    /** The newest opset it reads: {@value}. */
    public static final int MAX_OPSET = 21;

    private OnnxImporter() {}

    /**
     * {@return the model in an ONNX file} The file is memory-mapped, not read onto the heap, and parsed
     * without copying the weights: each initializer stays a view of the mapping, checked here and
     * decoded when a graph is made ({@link OnnxModel#toGraph}). The mapping lives as long as the model.
     *
     * @param file the {@code .onnx} file; external weights are read from beside it
     * @throws io.jresnet.FormatException naming the file when it is missing, not ONNX, or corrupt
     * @throws io.jresnet.UnsupportedLayerException naming the node for an op or attribute jresnet
     *     does not implement
     */
    public static OnnxModel load(Path file) {
        MemorySegment mapping;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE - 8) {
                throw FormatException.in(file, "larger than 2 GiB; ONNX files this large keep their weights as external data");
            }
            // Arena.ofAuto: unmapped once the model is unreachable; a confined or shared arena would make
            // every OnnxModel a resource to close.
            mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), Arena.ofAuto());
        } catch (NoSuchFileException e) {
            throw FormatException.in(file, "no such file");
        } catch (IOException e) {
            throw new FormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        ModelProto model;
        try {
            // An immutable wrapped buffer plus aliasing: bytes fields (raw_data) become views of the
            // mapping instead of copies, so parsing a 100 MB model allocates kilobytes.
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(mapping.asByteBuffer()).newCodedInput();
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(in);
        } catch (IOException e) { // InvalidProtocolBufferException: the bytes are not a ModelProto
            throw new FormatException(file + ": not an ONNX model (protobuf: " + e.getMessage() + ")", e);
        }
        return fromProto(model, file, mapping);
    }

    /** Builds a model from an already parsed {@link ModelProto}; {@code file} names it in errors and locates external data. */
    static OnnxModel fromProto(ModelProto model, Path file) {
        return fromProto(model, file, null);
    }

    private static OnnxModel fromProto(ModelProto model, Path file, MemorySegment mapping) {
        if (!model.hasGraph()) throw FormatException.in(file, "not an ONNX model (no graph)");
        int opset = opset(model, file);
        GraphProto g = model.getGraph();
        if (g.getSparseInitializerCount() > 0) {
            throw new UnsupportedLayerException(file + ": sparse initializers are not supported");
        }
        TensorReader reader = new TensorReader(file);
        Map<String, TensorProto> initializers = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            String name = t.getName();
            if (name.isEmpty()) throw FormatException.in(file, "an initializer has no name");
            reader.check(t, name);
            if (initializers.put(name, t) != null) {
                throw FormatException.in(file, "initializer '" + name + "' is defined twice");
            }
        }
        ValueInfoProto input = null;
        for (ValueInfoProto v : g.getInputList()) {
            if (initializers.containsKey(v.getName())) continue; // IR < 4 lists initializers as inputs too
            if (input != null) {
                throw new UnsupportedLayerException(file + ": the graph has several inputs ('" + input.getName()
                        + "', '" + v.getName() + "'); jresnet runs graphs with one image input");
            }
            input = v;
        }
        if (input == null || input.getName().isEmpty()) throw FormatException.in(file, "the graph has no input");
        if (g.getOutputCount() == 0 || g.getOutput(0).getName().isEmpty()) {
            throw FormatException.in(file, "the graph has no output");
        }
        long[] declared = declaredDims(input, file);
        return new OnnxModel(file, model, opset, reader, initializers, mapping, input.getName(), declared,
                g.getOutput(0).getName());
    }

    private static int opset(ModelProto model, Path file) {
        long version = -1;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) version = o.getVersion();
        }
        if (version < 0) throw FormatException.in(file, "no opset_import for the standard ONNX domain");
        if (version < MIN_OPSET || version > MAX_OPSET) {
            throw new UnsupportedLayerException(file + ": opset " + version + " is not supported (jresnet reads opsets "
                    + MIN_OPSET + " to " + MAX_OPSET + ")");
        }
        return (int) version;
    }

    /** The input's declared dims, -1 where symbolic or unknown. */
    private static long[] declaredDims(ValueInfoProto input, Path file) {
        if (!input.hasType() || !input.getType().hasTensorType()) {
            throw new UnsupportedLayerException(file + ": input '" + input.getName() + "' is not a tensor");
        }
        var tensorType = input.getType().getTensorType();
        if (tensorType.hasElemType() && tensorType.getElemType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new UnsupportedLayerException(file + ": input '" + input.getName() + "' has element type "
                    + TensorReader.typeName(tensorType.getElemType()) + "; jresnet runs FLOAT inputs");
        }
        if (!tensorType.hasShape()) return null;
        long[] dims = new long[tensorType.getShape().getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            TensorShapeProto.Dimension d = tensorType.getShape().getDim(i);
            dims[i] = d.hasDimValue() && d.getDimValue() > 0 ? d.getDimValue() : -1;
        }
        return dims;
    }
}
