package io.jresnet.models.onnx;

import io.jresnet.ShapeException;
import io.jresnet.models.onnx.proto.OnnxProto.ModelProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorProto;
import io.jresnet.plan.Graph;
import io.jresnet.tensor.Shape;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loaded ONNX model: its nodes, checked initializers and input. {@link #toGraph(Shape)} builds a
 * jresnet {@link Graph} for one concrete input shape; the batch dimension is always free, other
 * dimensions must match the file's where it fixes them. Immutable: graphs for several shapes, on
 * several threads, may be made from one model. Each graph decodes the weights afresh from the file's
 * mapping (about 50 ms for ResNet-50's 100 MB), so a model kept for later costs no heap for them.
 */
public final class OnnxModel {
    /** How many bytes of weights are read from the mapping between two unloads of it: {@value}. */
    private static final long UNLOAD_EVERY_BYTES = 16 << 20;

    private final Path file;
    private final ModelProto proto;
    private final int opset;
    private final TensorReader reader;
    private final Map<String, TensorProto> initializers;
    private final MemorySegment mapping;
    private final String inputName;
    private final long[] declaredInput;
    private final String outputName;

    OnnxModel(Path file, ModelProto proto, int opset, TensorReader reader, Map<String, TensorProto> initializers,
              MemorySegment mapping, String inputName, long[] declaredInput, String outputName) {
        this.file = file;
        this.proto = proto;
        this.opset = opset;
        this.reader = reader;
        this.initializers = initializers;
        this.mapping = mapping;
        this.inputName = inputName;
        this.declaredInput = declaredInput;
        this.outputName = outputName;
    }

    /** {@return the file it was read from} */
    public Path file() {
        return file;
    }

    /** {@return the file's ONNX opset} */
    public int opset() {
        return opset;
    }

    /** {@return the graph input's name} */
    public String inputName() {
        return inputName;
    }

    /** {@return the graph output's name} */
    public String outputName() {
        return outputName;
    }

    /** {@return the image channels: the declared dimension 1 of an NCHW input, else 3} */
    public int imageChannels() {
        return declaredInput != null && declaredInput.length == 4 && declaredInput[1] > 0 ? (int) declaredInput[1] : 3;
    }

    /**
     * The image side the model expects: the declared height; where it is symbolic, the size jresnet's
     * exporter recorded in the metadata; else 224.
     *
     * @return the side in pixels
     */
    public int imageSize() {
        if (declaredInput != null && declaredInput.length == 4 && declaredInput[2] > 0 && declaredInput[2] < 1 << 16) {
            return (int) declaredInput[2];
        }
        String recorded = metadata().get(OnnxExporter.INPUT_SIZE_KEY);
        return recorded != null && recorded.matches("[1-9][0-9]{0,4}") ? Integer.parseInt(recorded) : 224;
    }

    /** {@return the model's metadata_props (key to value)} */
    public Map<String, String> metadata() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        proto.getMetadataPropsList().forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    /** {@return the producer's name and version, e.g. {@code pytorch 2.5.1}} */
    public String producer() {
        return (proto.getProducerName() + " " + proto.getProducerVersion()).trim();
    }

    /** {@return the input's dims as the file declares them, -1 where symbolic; null when the file gives no shape} */
    public long[] declaredInputDims() {
        return declaredInput == null ? null : declaredInput.clone();
    }

    /**
     * The input shape for {@code batch} images when the file fixes every other dimension.
     *
     * @param batch the images per run
     * @return the shape
     * @throws ShapeException when the file leaves a non-batch dimension symbolic or gives no shape
     */
    public Shape inputShape(int batch) {
        if (declaredInput == null || declaredInput.length == 0) {
            throw new ShapeException(file + ": input '" + inputName + "' has no declared shape; pass one");
        }
        int[] dims = new int[declaredInput.length];
        dims[0] = batch;
        for (int i = 1; i < dims.length; i++) {
            if (declaredInput[i] < 0 || declaredInput[i] > Integer.MAX_VALUE) {
                throw new ShapeException(file + ": input '" + inputName + "' dimension " + i
                        + " is symbolic; pass a full input shape");
            }
            dims[i] = (int) declaredInput[i];
        }
        return Shape.of(dims);
    }

    /**
     * {@return the graph for {@code batch} images at the declared input shape}
     *
     * @param batch the images per run
     */
    public Graph toGraph(int batch) {
        return toGraph(inputShape(batch));
    }

    /**
     * {@return the graph for one concrete input shape; shape ops are folded for it}
     *
     * @param input e.g. {@code [1, 3, 64, 64]}
     * @throws io.jresnet.ShapeException if the shape does not fit the file's declared input
     */
    public Graph toGraph(Shape input) {
        if (declaredInput != null) {
            boolean ok = declaredInput.length == input.rank();
            for (int i = 1; ok && i < declaredInput.length; i++) {
                ok = declaredInput[i] < 0 || declaredInput[i] == input.dim(i);
            }
            if (!ok) {
                throw new ShapeException(file + ": input '" + inputName + "' is declared " + describe(declaredInput)
                        + ", cannot run it at " + input);
            }
        }
        return new GraphTranslator(file, proto.getGraph(), opset, decodeInitializers(), inputName, outputName)
                .translate(input);
    }

    /**
     * Decodes every initializer into new arrays, for one graph. Once a backend has packed that graph's
     * weights nothing holds the arrays, so a loaded model costs the mapping, not a second heap copy of
     * its weights; the mapped pages are handed back to the page cache after reading.
     */
    private Map<String, Constant> decodeInitializers() {
        Map<String, Constant> decoded = new LinkedHashMap<>();
        long sinceUnload = 0;
        for (Map.Entry<String, TensorProto> e : initializers.entrySet()) {
            decoded.put(e.getKey(), reader.read(e.getValue(), e.getKey()));
            // Every 16 MB read, the pages go back (madvise): otherwise the whole file would count in the
            // process's memory next to the decoded copy, at the peak of loading.
            sinceUnload += e.getValue().getRawData().size();
            if (mapping != null && sinceUnload >= UNLOAD_EVERY_BYTES) {
                mapping.unload();
                sinceUnload = 0;
            }
        }
        if (mapping != null) mapping.unload();
        return decoded;
    }

    private static String describe(long[] dims) {
        return Arrays.toString(Arrays.stream(dims).mapToObj(d -> d < 0 ? "?" : Long.toString(d)).toArray());
    }
}
