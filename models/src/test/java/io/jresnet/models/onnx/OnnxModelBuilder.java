package io.jresnet.models.onnx;

import com.google.protobuf.ByteString;
import io.jresnet.models.onnx.proto.OnnxProto.AttributeProto;
import io.jresnet.models.onnx.proto.OnnxProto.AttributeProto.AttributeType;
import io.jresnet.models.onnx.proto.OnnxProto.GraphProto;
import io.jresnet.models.onnx.proto.OnnxProto.ModelProto;
import io.jresnet.models.onnx.proto.OnnxProto.NodeProto;
import io.jresnet.models.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorShapeProto;
import io.jresnet.models.onnx.proto.OnnxProto.TypeProto;
import io.jresnet.models.onnx.proto.OnnxProto.ValueInfoProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Builds ONNX models node by node for tests, in the shapes other exporters write (torchvision's
 * Conv-without-bias → BatchNormalization → Relu and Shape/Gather/Unsqueeze/Concat/Reshape flatten,
 * the ONNX zoo's pre-activation v2 blocks). Weights are seeded random; BN statistics are non-trivial.
 */
final class OnnxModelBuilder {
    final int opset;
    final GraphProto.Builder graph = GraphProto.newBuilder();
    private final SplittableRandom random;
    private int counter;

    OnnxModelBuilder(int opset, long seed) {
        this.opset = opset;
        this.random = new SplittableRandom(seed);
    }

    String fresh(String base) {
        return base + "_" + counter++;
    }

    /** Declares the graph input; {@code null} dims are symbolic. */
    OnnxModelBuilder input(String name, Long... dims) {
        graph.addInput(valueInfo(name, dims));
        return this;
    }

    OnnxModelBuilder output(String name, Long... dims) {
        graph.addOutput(valueInfo(name, dims));
        return this;
    }

    static ValueInfoProto valueInfo(String name, Long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (Long d : dims) {
            s.addDim(d == null ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    static TensorProto floats(String name, float[] data, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    static TensorProto int64s(String name, long[] data, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(7);
        for (long v : data) t.addInt64Data(v);
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    String initializer(TensorProto t) {
        graph.addInitializer(t);
        return t.getName();
    }

    String ints(String base, long... values) {
        return initializer(int64s(fresh(base), values, values.length));
    }

    float[] gaussian(int n, double std) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            double u = 1.0 - random.nextDouble();
            f[i] = (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return f;
    }

    float[] uniform(int n, double lo, double hi) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (lo + (hi - lo) * random.nextDouble());
        return f;
    }

    String randomTensor(String base, double std, long... dims) {
        long n = 1;
        for (long d : dims) n *= d;
        return initializer(floats(fresh(base), gaussian((int) n, std), dims));
    }

    static AttributeProto attr(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (long v : values) a.addInts(v);
        return a.build();
    }

    static AttributeProto attrInt(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
    }

    static AttributeProto attrFloat(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto attrString(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    /** Adds a node with one output named after its op and returns that output. */
    String node(String op, String[] inputs, AttributeProto... attributes) {
        String out = fresh(op.toLowerCase());
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out + "_node").addOutput(out);
        for (String in : inputs) n.addInput(in);
        for (AttributeProto a : attributes) n.addAttribute(a);
        graph.addNode(n);
        return out;
    }

    String conv(String x, int in, int out, int k, int stride, int pad, boolean bias) {
        String w = randomTensor("conv_w", Math.sqrt(2.0 / (out * k * k)), out, in, k, k);
        String[] inputs = bias ? new String[] {x, w, randomTensor("conv_b", 0.1, out)} : new String[] {x, w};
        return node("Conv", inputs, attr("kernel_shape", k, k), attr("strides", stride, stride),
                attr("pads", pad, pad, pad, pad), attr("dilations", 1, 1), attrInt("group", 1));
    }

    String batchNorm(String x, int c) {
        String scale = initializer(floats(fresh("bn_scale"), uniform(c, 0.5, 1.5), c));
        String shift = initializer(floats(fresh("bn_bias"), gaussian(c, 0.1), c));
        String mean = initializer(floats(fresh("bn_mean"), gaussian(c, 0.1), c));
        String var = initializer(floats(fresh("bn_var"), uniform(c, 0.5, 1.5), c));
        return node("BatchNormalization", new String[] {x, scale, shift, mean, var}, attrFloat("epsilon", 1e-5f));
    }

    String relu(String x) {
        return node("Relu", new String[] {x});
    }

    /** torchvision's flatten as older exporters write it: Shape → Gather(0) → Unsqueeze → Concat(-1) → Reshape. */
    String torchFlatten(String x) {
        String shape = node("Shape", new String[] {x});
        String zero = initializer(int64s(fresh("zero"), new long[] {0}));
        String batch = node("Gather", new String[] {shape, zero}, attrInt("axis", 0));
        String batch1 = opset >= 13 ? node("Unsqueeze", new String[] {batch, ints("axes", 0)})
                : node("Unsqueeze", new String[] {batch}, attr("axes", 0));
        String target = node("Concat", new String[] {batch1, ints("minus_one", -1)}, attrInt("axis", 0));
        return node("Reshape", new String[] {x, target});
    }

    String gemm(String x, int in, int out) {
        String w = randomTensor("fc_w", 1 / Math.sqrt(in), out, in);
        String b = randomTensor("fc_b", 0.1, out);
        return node("Gemm", new String[] {x, w, b}, attrFloat("alpha", 1f), attrFloat("beta", 1f), attrInt("transB", 1));
    }

    ModelProto build() {
        return ModelProto.newBuilder().setIrVersion(opset >= 21 ? 10 : opset >= 19 ? 9 : opset >= 15 ? 8 : 7).setProducerName("jresnet-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph).build();
    }

    Path write(Path file) throws IOException {
        Files.write(file, build().toByteArray());
        return file;
    }
}
