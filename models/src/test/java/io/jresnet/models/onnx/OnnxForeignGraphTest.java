package io.jresnet.models.onnx;

import static io.jresnet.models.onnx.OnnxModelBuilder.attr;
import static io.jresnet.models.onnx.OnnxModelBuilder.attrInt;
import static io.jresnet.models.onnx.OnnxModelBuilder.attrString;
import static io.jresnet.models.onnx.OnnxRuntimePeer.assertAgree;
import static io.jresnet.models.onnx.OnnxRuntimePeer.runJresnet;
import static io.jresnet.models.onnx.OnnxRuntimePeer.runOrt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.models.onnx.proto.OnnxProto.NodeProto;
import io.jresnet.models.onnx.proto.OnnxProto.StringStringEntryProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorProto;
import io.jresnet.plan.Op;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Graphs in the shapes other exporters write, built here with the protobuf classes, agree with ONNX Runtime. */
class OnnxForeignGraphTest {
    @TempDir
    Path dir;

    private static final int CLASSES = 10;

    /** torchvision's export: Conv (no bias) → BN → Relu, MaxPool, basic blocks with a projection, Shape-chain flatten, Gemm. */
    static OnnxModelBuilder torchvisionStyle(int opset) {
        OnnxModelBuilder m = new OnnxModelBuilder(opset, 42);
        m.input("input", null, 3L, 32L, 32L);
        String x = m.relu(m.batchNorm(m.conv("input", 3, 8, 7, 2, 3, false), 8));
        x = m.node("MaxPool", new String[] {x}, attr("kernel_shape", 3, 3), attr("strides", 2, 2), attr("pads", 1, 1, 1, 1));
        x = basicBlock(m, x, 8, 8, 1);
        x = basicBlock(m, x, 8, 16, 2);
        x = m.node("GlobalAveragePool", new String[] {x});
        x = m.gemm(m.torchFlatten(x), 16, CLASSES);
        m.output(x, null, (long) CLASSES);
        return m;
    }

    private static String basicBlock(OnnxModelBuilder m, String x, int in, int out, int stride) {
        String y = m.relu(m.batchNorm(m.conv(x, in, out, 3, stride, 1, false), out));
        y = m.batchNorm(m.conv(y, out, out, 3, 1, 1, false), out);
        String shortcut = in == out && stride == 1 ? x : m.batchNorm(m.conv(x, in, out, 1, stride, 0, false), out);
        return m.relu(m.node("Add", new String[] {y, shortcut}));
    }

    /** The ONNX zoo's ResNet v2: BN on the input, pre-activation blocks (BN → Relu → Conv), BN → Relu before the pool. */
    static OnnxModelBuilder preActivationV2(int opset) {
        OnnxModelBuilder m = new OnnxModelBuilder(opset, 43);
        m.input("data", null, 3L, 32L, 32L);
        String x = m.batchNorm("data", 3);
        x = m.conv(x, 3, 8, 3, 1, 1, false);
        for (int[] b : new int[][] {{8, 8, 1}, {8, 16, 2}}) {
            String pre = m.relu(m.batchNorm(x, b[0]));
            String y = m.conv(pre, b[0], b[1], 3, b[2], 1, false);
            y = m.conv(m.relu(m.batchNorm(y, b[1])), b[1], b[1], 3, 1, 1, false);
            String shortcut = b[0] == b[1] && b[2] == 1 ? x : m.conv(pre, b[0], b[1], 1, b[2], 0, false);
            x = m.node("Add", new String[] {y, shortcut});
        }
        x = m.relu(m.batchNorm(x, 16));
        x = m.node("GlobalAveragePool", new String[] {x});
        x = m.node("Flatten", new String[] {x}, attrInt("axis", 1));
        x = m.gemm(x, 16, CLASSES);
        m.output(x, null, (long) CLASSES);
        return m;
    }

    private Tensor input(long seed) {
        return Tensor.uniform(Shape.nchw(3, 3, 32, 32), -1f, 1f, seed);
    }

    @ParameterizedTest(name = "opset {0}")
    @ValueSource(ints = {9, 11, 13, 17, 21})
    void torchvisionShapedGraphAgrees(int opset) throws Exception {
        Path file = torchvisionStyle(opset).write(dir.resolve("tv.onnx"));
        Tensor x = input(1);
        assertAgree("torchvision-shaped opset " + opset, runOrt(file, x), runJresnet(file, x));
        // The shape chain folds away: no op in the graph is left over from it.
        long reshapes = OnnxImporter.load(file).toGraph(x.shape()).ops().stream().filter(o -> o instanceof Op.Reshape).count();
        assertEquals(1, reshapes);
    }

    @ParameterizedTest(name = "opset {0}")
    @ValueSource(ints = {9, 13, 21})
    void preActivationV2GraphAgrees(int opset) throws Exception {
        Path file = preActivationV2(opset).write(dir.resolve("v2.onnx"));
        Tensor x = input(2);
        assertAgree("pre-activation v2 opset " + opset, runOrt(file, x), runJresnet(file, x));
    }

    @Test
    void nodesOutOfOrderAreSorted() throws Exception {
        OnnxModelBuilder m = torchvisionStyle(13);
        List<NodeProto> nodes = new ArrayList<>(m.graph.getNodeList());
        Collections.reverse(nodes);
        m.graph.clearNode().addAllNode(nodes);
        Path file = m.write(dir.resolve("reversed.onnx"));
        Path sorted = torchvisionStyle(13).write(dir.resolve("sorted.onnx"));
        Tensor x = input(3);
        Tensor a = runJresnet(file, x);
        Tensor b = runJresnet(sorted, x);
        // Another op order may fuse differently, so equal up to float rounding.
        new io.jresnet.testing.Tolerance(1e-5, 1e-5).assertClose(b, a, "reversed node order");
    }

    /** MatMul + Add, AveragePool and ReduceMean as global pools, SAME padding, ceil-mode pooling, per-channel Mul/Sub, Softmax. */
    @ParameterizedTest(name = "opset {0}")
    @ValueSource(ints = {13, 18})
    void otherSpellingsAgree(int opset) throws Exception {
        OnnxModelBuilder m = new OnnxModelBuilder(opset, 44);
        m.input("input", null, 3L, 30L, 30L);
        String mean = m.initializer(OnnxModelBuilder.floats("mean", new float[] {0.485f, 0.456f, 0.406f}, 1, 3, 1, 1));
        String std = m.initializer(OnnxModelBuilder.floats("std", new float[] {0.229f, 0.224f, 0.225f}, 3, 1, 1));
        String x = m.node("Div", new String[] {m.node("Sub", new String[] {"input", mean}), std});
        String w = m.randomTensor("w", 0.3, 6, 3, 3, 3);
        x = m.relu(m.node("Conv", new String[] {x, w, m.randomTensor("b", 0.1, 6)}, attrString("auto_pad", "SAME_UPPER"),
                attr("strides", 2, 2)));
        x = m.node("MaxPool", new String[] {x}, attr("kernel_shape", 2, 2), attr("strides", 2, 2), attrInt("ceil_mode", 1));
        String a = m.node("AveragePool", new String[] {x}, attr("kernel_shape", 8, 8));
        String r = opset >= 18 ? m.node("ReduceMean", new String[] {x, m.ints("axes", 2, 3)}, attrInt("keepdims", 1))
                : m.node("ReduceMean", new String[] {x}, attr("axes", -2, -1), attrInt("keepdims", 1));
        x = m.node("Add", new String[] {a, r});
        x = m.node("Dropout", new String[] {m.node("Identity", new String[] {x})});
        x = m.node("Flatten", new String[] {x});
        x = m.node("MatMul", new String[] {x, m.randomTensor("fc", 0.5, 6, CLASSES)});
        x = m.node("Add", new String[] {x, m.randomTensor("fc_b", 0.1, CLASSES)});
        x = m.node("Softmax", new String[] {x}, attrInt("axis", 1));
        m.output(x, null, (long) CLASSES);
        Path file = m.write(dir.resolve("other.onnx"));
        Tensor in = Tensor.uniform(Shape.nchw(2, 3, 30, 30), 0f, 1f, 5);
        assertAgree("other spellings opset " + opset, runOrt(file, in), runJresnet(file, in));
    }

    @Test
    void externalDataAgrees() throws Exception {
        OnnxModelBuilder m = preActivationV2(13);
        // Move every float initializer into one side file, at 4-aligned offsets, as exporters do for large models.
        List<TensorProto> moved = new ArrayList<>();
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        for (TensorProto t : m.graph.getInitializerList()) {
            if (t.getDataType() != 1) {
                moved.add(t);
                continue;
            }
            long offset = data.size();
            t.getRawData().writeTo(data);
            moved.add(t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", "weights.bin"))
                    .addExternalData(entry("offset", Long.toString(offset)))
                    .addExternalData(entry("length", Long.toString(t.getRawData().size()))).build());
        }
        m.graph.clearInitializer().addAllInitializer(moved);
        Files.write(dir.resolve("weights.bin"), data.toByteArray());
        Path file = m.write(dir.resolve("external.onnx"));
        assertTrue(Files.size(file) < data.size(), "the weights live outside the model file");
        Tensor x = input(4);
        assertAgree("external data", runOrt(file, x), runJresnet(file, x));
    }

    static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
