package io.jresnet.models.onnx;

import static io.jresnet.models.onnx.OnnxModelBuilder.attrInt;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.UnsupportedLayerException;
import io.jresnet.models.onnx.proto.OnnxProto.ModelProto;
import io.jresnet.models.onnx.proto.OnnxProto.NodeProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorProto;
import io.jresnet.tensor.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken, hostile and unsupported ONNX files fail with jresnet's exceptions, naming the file and the problem. */
class OnnxBadInputTest {
    @TempDir
    Path dir;

    private static final Shape INPUT = Shape.nchw(1, 3, 32, 32);

    private Path write(String name, ModelProto model) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, model.toByteArray());
        return file;
    }

    private Path mutated(String name, UnaryOperator<ModelProto.Builder> change) throws Exception {
        return write(name, change.apply(OnnxForeignGraphTest.torchvisionStyle(13).build().toBuilder()).build());
    }

    /** Loads and builds the graph; asserts the failure type and that the message names the file and the problem. */
    private <T extends JResnetException> T assertFails(Class<T> type, Path file, String... phrases) {
        T e = assertThrows(type, () -> OnnxImporter.load(file).toGraph(INPUT));
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        for (String p : phrases) assertTrue(e.getMessage().contains(p), "mentions '" + p + "': " + e.getMessage());
        return e;
    }

    private static int initializerIndex(ModelProto.Builder m, String prefix) {
        for (int i = 0; i < m.getGraph().getInitializerCount(); i++) {
            if (m.getGraph().getInitializer(i).getName().startsWith(prefix)) return i;
        }
        throw new AssertionError("no initializer " + prefix);
    }

    private static TensorProto.Builder firstConvWeight(ModelProto.Builder m) {
        return m.getGraphBuilder().getInitializerBuilder(initializerIndex(m, "conv_w"));
    }

    @Test
    void notProtobuf() throws Exception {
        Path file = dir.resolve("text.onnx");
        Files.writeString(file, "this is not a model\n\u00ff\u00fe");
        assertFails(FormatException.class, file, "not an ONNX model");
    }

    @Test
    void emptyFileHasNoGraph() throws Exception {
        Path file = dir.resolve("empty.onnx");
        Files.write(file, new byte[0]);
        assertFails(FormatException.class, file, "no graph");
    }

    @Test
    void truncated() throws Exception {
        byte[] whole = OnnxForeignGraphTest.torchvisionStyle(13).build().toByteArray();
        Path file = dir.resolve("truncated.onnx");
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
        assertFails(FormatException.class, file, "not an ONNX model");
    }

    /**
     * Strict types, as ONNX Runtime: a conv weight stored as INT64 (or a batch-norm variance as INT32)
     * is an invalid model, rejected with the node named, not converted to float and run.
     */
    @Test
    void integerWeightsAreRejected() throws Exception {
        Path int64Weight = mutated("int64-weight.onnx", m -> {
            TensorProto.Builder w = firstConvWeight(m);
            long count = 1;
            for (long d : w.getDimsList()) count *= d;
            w.clearFloatData().clearRawData().setDataType(TensorProto.DataType.INT64_VALUE);
            for (long i = 0; i < count; i++) w.addInt64Data(i % 3 - 1);
            return m;
        });
        assertFails(FormatException.class, int64Weight, "conv_w", "integer tensor", "Conv");
        Path int32Variance = mutated("int32-variance.onnx", m -> {
            TensorProto.Builder v = m.getGraphBuilder().getInitializerBuilder(initializerIndex(m, "bn_var"));
            long count = v.getDims(0);
            v.clearFloatData().clearRawData().setDataType(TensorProto.DataType.INT32_VALUE);
            for (long i = 0; i < count; i++) v.addInt32Data(1);
            return m;
        });
        assertFails(FormatException.class, int32Variance, "bn_var", "integer tensor", "BatchNormalization");
    }

    @Test
    void missingInitializer() throws Exception {
        Path file = mutated("missing.onnx", m -> {
            m.getGraphBuilder().removeInitializer(initializerIndex(m, "bn_var"));
            return m;
        });
        assertFails(FormatException.class, file, "bn_var", "no node, initializer or graph input provides it");
    }

    @Test
    void negativeDimension() throws Exception {
        Path file = mutated("negative.onnx", m -> {
            firstConvWeight(m).setDims(0, -8);
            return m;
        });
        assertFails(FormatException.class, file, "conv_w", "negative");
    }

    @Test
    void overflowingDimensions() throws Exception {
        Path file = mutated("overflow.onnx", m -> {
            firstConvWeight(m).setDims(0, 1L << 40).setDims(1, 1L << 40);
            return m;
        });
        assertFails(FormatException.class, file, "conv_w", "more than");
    }

    @Test
    void rawDataSizeMismatch() throws Exception {
        Path file = mutated("short.onnx", m -> {
            TensorProto.Builder w = firstConvWeight(m);
            w.setRawData(w.getRawData().substring(0, w.getRawData().size() - 4));
            return m;
        });
        assertFails(FormatException.class, file, "conv_w", "raw_data holds");
    }

    private Path external(String name, String location, long offset, long length) throws Exception {
        return mutated(name, m -> {
            TensorProto.Builder w = firstConvWeight(m);
            w.clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(OnnxForeignGraphTest.entry("location", location))
                    .addExternalData(OnnxForeignGraphTest.entry("offset", Long.toString(offset)))
                    .addExternalData(OnnxForeignGraphTest.entry("length", Long.toString(length)));
            return m;
        });
    }

    @Test
    void externalDataEscapingTheFolder() throws Exception {
        Path inner = Files.createDirectory(dir.resolve("model"));
        Files.write(dir.resolve("secret.bin"), new byte[8 * 3 * 49 * 4]);
        Path file = external("escape.onnx", "../secret.bin", 0, 8 * 3 * 49 * 4);
        Path moved = Files.move(file, inner.resolve("escape.onnx"));
        assertFails(FormatException.class, moved, "escapes the model's folder");
        Path absolute = external("absolute.onnx", dir.resolve("secret.bin").toString(), 0, 8 * 3 * 49 * 4);
        assertFails(FormatException.class, absolute, "is absolute");
    }

    @Test
    void externalDataPastTheEnd() throws Exception {
        Files.write(dir.resolve("weights.bin"), new byte[8 * 3 * 49 * 4]);
        assertFails(FormatException.class, external("past.onnx", "weights.bin", 16, 8 * 3 * 49 * 4), "past the end");
        assertFails(FormatException.class, external("missing.onnx", "nothing.bin", 0, 8 * 3 * 49 * 4), "does not exist");
        assertFails(FormatException.class, external("length.onnx", "weights.bin", 0, 12), "length 12");
    }

    @Test
    void cycle() throws Exception {
        Path file = mutated("cycle.onnx", m -> {
            // The first Relu reads the last Add's output: a loop through the whole body.
            var g = m.getGraphBuilder();
            String lastAdd = null;
            for (NodeProto n : g.getNodeList()) if (n.getOpType().equals("Add")) lastAdd = n.getOutput(0);
            for (int i = 0; i < g.getNodeCount(); i++) {
                if (g.getNode(i).getOpType().equals("Relu")) {
                    g.getNodeBuilder(i).setInput(0, lastAdd);
                    break;
                }
            }
            return m;
        });
        assertFails(FormatException.class, file, "cycle");
    }

    @Test
    void unknownOpsAreListed() throws Exception {
        Path file = mutated("unknown.onnx", m -> {
            var g = m.getGraphBuilder();
            int relus = 0;
            for (int i = 0; i < g.getNodeCount(); i++) {
                if (g.getNode(i).getOpType().equals("Relu") && relus++ < 2) {
                    g.getNodeBuilder(i).setOpType(relus == 1 ? "Swish" : "HardSigmoid");
                }
            }
            return m;
        });
        assertFails(UnsupportedLayerException.class, file, "unsupported ONNX ops", "Swish node", "HardSigmoid node");
    }

    @Test
    void groupsThatDoNotFitTheWeightAndDilatedConvolutionsAreRefused() throws Exception {
        // The stem's weight is [8, 3, 7, 7]: in 3 groups it would need 9 input channels.
        Path grouped = mutated("grouped.onnx", m -> {
            m.getGraphBuilder().getNodeBuilder(0).addAttribute(attrInt("group", 3)).removeAttribute(4);
            return m;
        });
        assertFails(FormatException.class, grouped, "group=3", "weight [8, 3, 7, 7]");
        Path dilated = mutated("dilated.onnx", m -> {
            m.getGraphBuilder().getNodeBuilder(0).setAttribute(3, OnnxModelBuilder.attr("dilations", 2, 2));
            return m;
        });
        assertFails(UnsupportedLayerException.class, dilated, "dilation");
    }

    @Test
    void opsetOutOfRange() throws Exception {
        Path file = mutated("opset.onnx", m -> {
            m.getOpsetImportBuilder(0).setVersion(6);
            return m;
        });
        assertFails(UnsupportedLayerException.class, file, "opset 6");
        Path newer = mutated("opset22.onnx", m -> {
            m.getOpsetImportBuilder(0).setVersion(22);
            return m;
        });
        assertFails(UnsupportedLayerException.class, newer, "opset 22");
    }

    @Test
    void wrongInputShape() throws Exception {
        Path file = write("ok.onnx", OnnxForeignGraphTest.torchvisionStyle(13).build());
        var e = assertThrows(JResnetException.class, () -> OnnxImporter.load(file).toGraph(Shape.nchw(1, 4, 32, 32)));
        assertTrue(e.getMessage().contains("cannot run it at"), e.getMessage());
    }

    @Test
    void wrongAttributeType() throws Exception {
        Path file = mutated("attrtype.onnx", m -> {
            m.getGraphBuilder().getNodeBuilder(0).getAttributeBuilder(1).setType(
                    io.jresnet.models.onnx.proto.OnnxProto.AttributeProto.AttributeType.STRING)
                    .setS(ByteString.copyFromUtf8("2"));
            return m;
        });
        assertFails(FormatException.class, file, "strides", "should be INTS");
    }
}
