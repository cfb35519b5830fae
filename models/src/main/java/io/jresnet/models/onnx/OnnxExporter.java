package io.jresnet.models.onnx;

import com.google.protobuf.ByteString;
import io.jresnet.FormatException;
import io.jresnet.UnsupportedLayerException;
import io.jresnet.models.onnx.proto.OnnxProto.AttributeProto;
import io.jresnet.models.onnx.proto.OnnxProto.AttributeProto.AttributeType;
import io.jresnet.models.onnx.proto.OnnxProto.GraphProto;
import io.jresnet.models.onnx.proto.OnnxProto.ModelProto;
import io.jresnet.models.onnx.proto.OnnxProto.NodeProto;
import io.jresnet.models.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.jresnet.models.onnx.proto.OnnxProto.StringStringEntryProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorProto;
import io.jresnet.models.onnx.proto.OnnxProto.TensorShapeProto;
import io.jresnet.models.onnx.proto.OnnxProto.TypeProto;
import io.jresnet.models.onnx.proto.OnnxProto.ValueInfoProto;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.Graph;
import io.jresnet.plan.Op;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes jresnet graphs as ONNX (opset {@value #OPSET}) with the batch dimension symbolic: Conv,
 * BatchNormalization, Relu, Add, MaxPool, GlobalAveragePool, Flatten, Gemm, Softmax, and for option-A
 * shortcuts Slice + Pad. Initializers take the op names, so a ResNet's weights keep their torchvision
 * names ({@code layer1.0.conv1.weight}).
 */
public final class OnnxExporter {
    /** The opset it writes: {@value}. */
    public static final int OPSET = 13;
    /** IR version 7 is the one that goes with opset 13. */
    static final long IR_VERSION = 7;
    /** The graph input's name: {@value}. */
    public static final String INPUT = "input";
    /** The graph output's name: {@value}. */
    public static final String OUTPUT = "logits";
    /** Metadata key holding the image side a model was designed for (224 ImageNet, 32 CIFAR). */
    public static final String INPUT_SIZE_KEY = "jresnet.input_size";

    private final Graph graph;
    private final boolean dynamicSpatial;
    private final GraphProto.Builder g = GraphProto.newBuilder();
    private final String[] names;
    private final Set<String> used = new HashSet<>();

    private OnnxExporter(Graph graph, boolean dynamicSpatial) {
        this.graph = graph;
        this.dynamicSpatial = dynamicSpatial;
        this.names = new String[graph.valueCount()];
    }

    /**
     * Writes a ResNet with batch, height and width symbolic (its graph only flattens after the global
     * pool, so any image size runs).
     *
     * @param net the network
     * @param file the {@code .onnx} file, replaced if it exists
     * @throws io.jresnet.FormatException naming the file if it cannot be written
     */
    public static void write(ResNet net, Path file) {
        int size = net.spec().stem() == ResNetSpec.Stem.CIFAR ? 32 : 224;
        Graph graph = net.toGraph(Shape.nchw(1, net.spec().inChannels(), size, size));
        write(new OnnxExporter(graph, true).model(net.spec().name()), file);
    }

    /**
     * Writes a graph with the batch dimension symbolic and the others as built.
     *
     * @param graph the graph
     * @param file the {@code .onnx} file, replaced if it exists
     * @throws io.jresnet.FormatException naming the file if it cannot be written
     */
    public static void write(Graph graph, Path file) {
        write(new OnnxExporter(graph, false).model("jresnet"), file);
    }

    /** The ONNX model of {@code graph}, for callers in this package that post-process it. */
    static ModelProto toProto(Graph graph, boolean dynamicSpatial) {
        return new OnnxExporter(graph, dynamicSpatial).model("jresnet");
    }

    /**
     * Writes to a temporary file beside {@code file} and moves it into place, so a failed write (a full
     * disk, an interrupted export) never leaves a truncated model under the real name.
     */
    private static void write(ModelProto model, Path file) {
        Path abs = file.toAbsolutePath();
        Path partial = abs.resolveSibling("." + abs.getFileName() + ".partial");
        try {
            try (OutputStream out = Files.newOutputStream(partial)) {
                model.writeTo(out);
            }
            Files.move(partial, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new FormatException(file + ": cannot write: " + e, e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // the write already failed and says so; a partial file we cannot delete changes nothing
            }
        }
    }

    private ModelProto model(String graphName) {
        names[graph.input()] = INPUT;
        used.add(INPUT);
        names[graph.output()] = OUTPUT;
        used.add(OUTPUT);
        if (graph.output() == graph.input()) throw new UnsupportedLayerException("the graph computes nothing");
        for (Op op : graph.ops()) export(op);
        g.setName(graphName);
        g.addInput(valueInfo(INPUT, graph.inputShape(), true));
        g.addOutput(valueInfo(OUTPUT, graph.outputShape(), false));
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("jresnet")
                .setProducerVersion("0.1.0")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g)
                // The image side the graph was built for: readers use it where H and W are symbolic.
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey(INPUT_SIZE_KEY)
                        .setValue(Integer.toString(graph.inputShape().dim(graph.inputShape().rank() - 1))))
                .build();
    }

    private ValueInfoProto valueInfo(String name, Shape s, boolean isInput) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < s.rank(); i++) {
            var d = TensorShapeProto.Dimension.newBuilder();
            if (i == 0) d.setDimParam("N");
            else if (isInput && dynamicSpatial && i >= 2) d.setDimParam(i == 2 ? "H" : "W");
            else d.setDimValue(s.dim(i));
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    /** A name not used yet, derived from {@code base}. */
    private String unique(String base) {
        String b = base.isEmpty() ? "v" : base;
        String n = b;
        for (int i = 1; !used.add(n); i++) n = b + "_" + i;
        return n;
    }

    private String name(int value, String base) {
        if (names[value] == null) names[value] = unique(base);
        return names[value];
    }

    private String initializer(String base, Tensor t, long... dims) {
        String n = unique(base);
        float[] data = t.toArray();
        ByteBuffer bytes = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        TensorProto.Builder p = TensorProto.newBuilder().setName(n).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes.array()));
        if (dims.length == 0) for (int d : t.shape().dims()) p.addDims(d);
        else for (long d : dims) p.addDims(d);
        g.addInitializer(p);
        return n;
    }

    private String int64Initializer(String base, long... values) {
        String n = unique(base);
        TensorProto.Builder p = TensorProto.newBuilder().setName(n).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long v : values) p.addInt64Data(v);
        g.addInitializer(p);
        return n;
    }

    private NodeProto.Builder node(String opType, String nodeName, String output, String... inputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(unique(nodeName + "/" + opType));
        for (String in : inputs) n.addInput(in);
        n.addOutput(output);
        return n;
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (long v : values) a.addInts(v);
        return a.build();
    }

    private static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
    }

    private static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(value).build();
    }

    private void export(Op op) {
        String on = op.name();
        switch (op) {
            case Op.Conv c -> {
                String out = name(c.output(), on);
                // A conv without bias (every conv before a BN) has an all-zero bias here; leave it out
                // of the file, as torchvision's exports do, so parameter counts match.
                String[] inputs = allZero(c.bias())
                        ? new String[] {names[c.input()], initializer(on + ".weight", c.weight())}
                        : new String[] {names[c.input()], initializer(on + ".weight", c.weight()),
                                initializer(on + ".bias", c.bias())};
                NodeProto.Builder conv = node("Conv", on, out, inputs)
                        .addAttribute(ints("kernel_shape", c.kernelH(), c.kernelW()))
                        .addAttribute(ints("strides", c.strideH(), c.strideW()))
                        .addAttribute(ints("pads", c.padTop(), c.padLeft(), c.padBottom(), c.padRight()));
                if (c.groups() != 1) {
                    conv.addAttribute(integer("group", c.groups()));
                }
                g.addNode(conv);
            }
            case Op.BatchNorm bn -> g.addNode(node("BatchNormalization", on, name(bn.output(), on), names[bn.input()],
                    initializer(on + ".weight", bn.gamma(), bn.gamma().size()),
                    initializer(on + ".bias", bn.beta(), bn.beta().size()),
                    initializer(on + ".running_mean", bn.mean(), bn.mean().size()),
                    initializer(on + ".running_var", bn.var(), bn.var().size()))
                    .addAttribute(real("epsilon", bn.eps())));
            case Op.Affine a -> {
                int ch = a.scale().size();
                String scaled = unique(on + "/scaled");
                g.addNode(node("Mul", on, scaled, names[a.input()], initializer(on + ".scale", a.scale(), 1, ch, 1, 1)));
                g.addNode(node("Add", on, name(a.output(), on), scaled,
                        initializer(on + ".shift", a.shift(), 1, ch, 1, 1)));
            }
            case Op.Relu r -> g.addNode(node("Relu", on, name(r.output(), on), names[r.input()]));
            case Op.Add a -> {
                g.addNode(node("Add", on, name(a.output(), on), names[a.a()], names[a.b()]));
            }
            case Op.MaxPool m -> g.addNode(node("MaxPool", on, name(m.output(), on), names[m.input()])
                    .addAttribute(ints("kernel_shape", m.kernelH(), m.kernelW()))
                    .addAttribute(ints("strides", m.strideH(), m.strideW()))
                    .addAttribute(ints("pads", m.padTop(), m.padLeft(), m.padBottom(), m.padRight())));
            case Op.GlobalAvgPool p -> g.addNode(node("GlobalAveragePool", on, name(p.output(), on), names[p.input()]));
            case Op.Reshape r -> reshape(r);
            case Op.Linear l -> {
                String x = names[l.input()];
                if (graph.shape(l.input()).rank() != 2) {
                    String flat = unique(on + "/flat");
                    g.addNode(node("Flatten", on, flat, x).addAttribute(integer("axis", 1)));
                    x = flat;
                }
                g.addNode(node("Gemm", on, name(l.output(), on), x, initializer(on + ".weight", l.weight()),
                        initializer(on + ".bias", l.bias(), l.outFeatures())).addAttribute(integer("transB", 1)));
            }
            case Op.ShortcutPad p -> {
                String x = names[p.input()];
                int before = p.channelsBefore();
                int extra = p.outChannels() - graph.shape(p.input()).dim(1);
                if (p.stride() > 1) {
                    String sub = extra > 0 ? unique(on + "/subsampled") : name(p.output(), on);
                    g.addNode(node("Slice", on, sub, x, int64Initializer(on + ".starts", 0, 0),
                            int64Initializer(on + ".ends", Long.MAX_VALUE, Long.MAX_VALUE),
                            int64Initializer(on + ".axes", 2, 3),
                            int64Initializer(on + ".steps", p.stride(), p.stride())));
                    x = sub;
                }
                if (extra > 0 || p.stride() == 1) {
                    g.addNode(node("Pad", on, name(p.output(), on), x,
                            int64Initializer(on + ".pads", 0, before, 0, 0, 0, extra - before, 0, 0)));
                }
            }
            case Op.Softmax s -> g.addNode(node("Softmax", on, name(s.output(), on), names[s.input()])
                    .addAttribute(integer("axis", 1)));
        }
    }

    private void reshape(Op.Reshape r) {
        Shape in = graph.shape(r.input());
        Shape out = graph.shape(r.output());
        String on = r.name();
        if (in.dim(0) != out.dim(0)) {
            throw new UnsupportedLayerException(on + ": a reshape from " + in + " to " + out
                    + " mixes the batch dimension, which ONNX export keeps symbolic");
        }
        if (out.rank() == 2) {
            g.addNode(node("Flatten", on, name(r.output(), on), names[r.input()]).addAttribute(integer("axis", 1)));
            return;
        }
        long[] target = new long[out.rank()];
        for (int i = 1; i < target.length; i++) target[i] = out.dim(i);
        // 0 copies the (symbolic) batch dimension from the input.
        g.addNode(node("Reshape", on, name(r.output(), on), names[r.input()], int64Initializer(on + ".shape", target)));
    }

    private static boolean allZero(Tensor t) {
        for (int i = 0; i < t.size(); i++) if (t.array()[t.offset() + i] != 0f) return false;
        return true;
    }
}
