package io.jresnet.models.onnx;

import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.ShapeException;
import io.jresnet.UnsupportedLayerException;
import io.jresnet.models.onnx.ConstantFolding.Arithmetic;
import io.jresnet.models.onnx.proto.OnnxProto.AttributeProto;
import io.jresnet.models.onnx.proto.OnnxProto.GraphProto;
import io.jresnet.models.onnx.proto.OnnxProto.NodeProto;
import io.jresnet.plan.Graph;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the nodes of one ONNX graph into a jresnet {@link Graph} for one input shape. Each ONNX value
 * name maps to a {@link Val}: a graph value, a constant (folded at import), or a MatMul waiting to learn
 * whether an Add gives it a bias. Every node either maps exactly onto jresnet's ops or is rejected with
 * its op type and name: a graph imports correctly or not at all.
 */
final class GraphTranslator {
    static final Set<String> SUPPORTED = Set.of("Conv", "BatchNormalization", "Relu", "Add", "Sub", "Mul", "Div",
            "MaxPool", "AveragePool", "GlobalAveragePool", "ReduceMean", "Flatten", "Reshape", "Squeeze", "Unsqueeze",
            "Gemm", "MatMul", "Softmax", "Identity", "Dropout", "Constant", "Shape", "Gather", "Concat", "Cast",
            "Transpose", "Slice", "Pad", "Sum", "ConstantOfShape", "Range");

    /** Attribute values beyond this are rejected: no real model pads or strides by 64K pixels. */
    private static final int MAX_WINDOW = 1 << 16;
    /** Zero channels a Pad may add on either side: far more than any network has, small enough not to overflow. */
    private static final int MAX_CHANNEL_PAD = 1 << 16;

    private sealed interface Val permits Runtime, Const, PendingMatMul, PendingSubsample {}

    private record Runtime(int id) implements Val {}

    private record Const(Constant c) implements Val {}

    /** {@code x @ B} with B constant, kept back until we know whether the next Add supplies a bias. */
    private record PendingMatMul(String name, int input, Tensor weight) implements Val {}

    /**
     * {@code x[:, :, ::strideH, ::strideW]}, kept back because exporters slice one axis per node: it
     * becomes the option-A subsampling once both strides are known, and must end up equal.
     */
    private record PendingSubsample(String name, int input, int strideH, int strideW) implements Val {}

    private final Path file;
    private final GraphProto proto;
    private final int opset;
    private final Map<String, Constant> initializers;
    private final String inputName;
    private final String outputName;
    private final GraphBuilder b = new GraphBuilder();
    private final Map<String, Val> values = new HashMap<>();
    private final Set<String> read = new HashSet<>();
    private String node = "";

    GraphTranslator(Path file, GraphProto proto, int opset, Map<String, Constant> initializers, String inputName,
                    String outputName) {
        this.file = file;
        this.proto = proto;
        this.opset = opset;
        this.initializers = initializers;
        this.inputName = inputName;
        this.outputName = outputName;
    }

    Graph translate(Shape input) {
        int inputId = b.input(input);
        values.put(inputName, new Runtime(inputId));
        initializers.forEach((name, c) -> values.putIfAbsent(name, new Const(c)));
        List<NodeProto> nodes = proto.getNodeList();
        Set<String> available = new HashSet<>(values.keySet());
        List<Integer> order = NodeOrder.sort(file, nodes, available, outputName);
        NodeOrder.checkSupported(file, nodes, order, SUPPORTED);
        for (int i : order) read.addAll(nodes.get(i).getInputList());
        read.add(outputName);
        for (int i : order) {
            NodeProto n = nodes.get(i);
            node = NodeOrder.label(n);
            try {
                translate(n, new Attributes(file, n, node));
            } catch (FormatException e) {
                throw e;
            } catch (ShapeException e) {
                throw new ShapeException(prefix(e));
            } catch (JResnetException e) {
                throw new UnsupportedLayerException(prefix(e));
            }
        }
        node = "graph output '" + outputName + "'";
        Val out = values.get(outputName);
        if (out instanceof Const) throw unsupported("it is a constant: nothing depends on the input");
        int id = runtime(out, "the output");
        if (id == inputId) throw unsupported("it is the input itself: the graph computes nothing");
        return b.build(id);
    }

    private String prefix(JResnetException e) {
        String m = String.valueOf(e.getMessage());
        return m.startsWith(file + ": ") ? m : file + ": " + node + ": " + m;
    }

    private UnsupportedLayerException unsupported(String problem) {
        return new UnsupportedLayerException(file + ": " + node + ": " + problem);
    }

    private FormatException malformed(String problem) {
        return FormatException.in(file, node + ": " + problem);
    }

    // ---- inputs and outputs of the current node ----

    /** Input {@code i}, or null when the node omits it (absent or ""). */
    private Val optional(NodeProto n, int i) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) return null;
        return values.get(n.getInput(i)); // present: NodeOrder checked every input has a provider
    }

    private Val required(NodeProto n, int i) {
        Val v = optional(n, i);
        if (v == null) throw malformed("input " + i + " is missing");
        return v;
    }

    private int runtime(Val v, String what) {
        return switch (v) {
            case Runtime r -> r.id();
            case PendingMatMul m -> {
                int id = b.linear(m.name(), m.input(), m.weight(), null);
                yield id;
            }
            case PendingSubsample p -> {
                if (p.strideH() != p.strideW()) {
                    throw unsupported(what + " subsamples rows by " + p.strideH() + " and columns by " + p.strideW()
                            + " (only x[:, :, ::s, ::s] is supported)");
                }
                yield b.shortcutPad(p.name(), p.input(), p.strideH(), b.shape(p.input()).c());
            }
            case Const c -> throw unsupported(what + " is a constant; jresnet computes this op only on the image data");
        };
    }

    private int runtime(NodeProto n, int i) {
        Val v = required(n, i);
        int id = runtime(v, "input " + i + " ('" + n.getInput(i) + "')");
        if (v instanceof PendingMatMul || v instanceof PendingSubsample) {
            values.put(n.getInput(i), new Runtime(id)); // materialise once
        }
        return id;
    }

    private Constant constant(NodeProto n, int i) {
        Val v = required(n, i);
        if (v instanceof Const c) return c.c();
        throw unsupported("input " + i + " ('" + n.getInput(i) + "') must be a constant (an initializer)");
    }

    private Constant optionalConstant(NodeProto n, int i) {
        return optional(n, i) == null ? null : constant(n, i);
    }

    /**
     * A constant input that the operator computes with, which must be floating point like the data it
     * meets: an integer weight is an invalid model (ONNX Runtime refuses it), not something to convert.
     */
    private Constant floatConstant(NodeProto n, int i) {
        Constant c = constant(n, i);
        if (!c.isFloat()) {
            throw malformed("input " + i + " ('" + n.getInput(i) + "') is an integer tensor; " + n.getOpType()
                    + " computes on FLOAT, FLOAT16 or DOUBLE tensors");
        }
        return c;
    }

    private Constant optionalFloatConstant(NodeProto n, int i) {
        return optional(n, i) == null ? null : floatConstant(n, i);
    }

    private void define(NodeProto n, Val v) {
        if (n.getOutputCount() == 0 || n.getOutput(0).isEmpty()) throw malformed("it has no output");
        for (int k = 1; k < n.getOutputCount(); k++) {
            String extra = n.getOutput(k);
            if (!extra.isEmpty() && read.contains(extra)) {
                throw unsupported("output " + k + " ('" + extra + "') is used; jresnet computes only the first output");
            }
        }
        values.put(n.getOutput(0), v);
    }

    private void defineRuntime(NodeProto n, int id) {
        define(n, new Runtime(id));
    }

    private Shape shapeOf(Val v) {
        return switch (v) {
            case Runtime r -> b.shape(r.id());
            case PendingMatMul m -> Shape.of(b.shape(m.input()).dim(0), m.weight().shape().dim(0));
            case PendingSubsample p -> {
                Shape in = b.shape(p.input());
                yield Shape.nchw(in.n(), in.c(), (in.h() + p.strideH() - 1) / p.strideH(),
                        (in.w() + p.strideW() - 1) / p.strideW());
            }
            case Const c -> Constant.shapeOf(c.c().dims(), "constant");
        };
    }

    private String name(NodeProto n) {
        return n.getName().isEmpty() ? n.getOutput(0) : n.getName();
    }

    // ---- the ops ----

    private void translate(NodeProto n, Attributes a) {
        switch (n.getOpType()) {
            case "Conv" -> conv(n, a);
            case "BatchNormalization" -> batchNorm(n, a);
            case "Relu" -> defineRuntime(n, b.relu(name(n), runtime(n, 0)));
            case "Add" -> arithmetic(n, Arithmetic.ADD);
            case "Sum" -> sum(n);
            case "Sub" -> arithmetic(n, Arithmetic.SUB);
            case "Mul" -> arithmetic(n, Arithmetic.MUL);
            case "Div" -> arithmetic(n, Arithmetic.DIV);
            case "MaxPool" -> maxPool(n, a);
            case "AveragePool" -> averagePool(n, a);
            case "GlobalAveragePool" -> defineRuntime(n, b.globalAvgPool(name(n), runtime(n, 0)));
            case "ReduceMean" -> reduceMean(n, a);
            case "Flatten" -> flatten(n, a);
            case "Reshape" -> reshape(n, a);
            case "Squeeze" -> squeeze(n, a, false);
            case "Unsqueeze" -> squeeze(n, a, true);
            case "Gemm" -> gemm(n, a);
            case "MatMul" -> matMul(n);
            case "Softmax" -> softmax(n, a);
            case "Identity" -> define(n, required(n, 0));
            case "Dropout" -> dropout(n);
            case "Constant" -> define(n, new Const(constantNode(n, a)));
            case "Shape" -> shape(n, a);
            case "Gather" -> define(n, new Const(ConstantFolding.gather(constant(n, 0), constant(n, 1),
                    a.integer("axis", 0))));
            case "Concat" -> concat(n, a);
            case "ConstantOfShape" -> define(n, new Const(ConstantFolding.constantOfShape(constant(n, 0),
                    a.has("value") ? constantNode(n, a) : null)));
            case "Range" -> define(n, new Const(ConstantFolding.range(constant(n, 0), constant(n, 1), constant(n, 2))));
            case "Cast" -> cast(n, a);
            case "Transpose" -> define(n, new Const(ConstantFolding.transpose(constant(n, 0), a.integers("perm"))));
            case "Slice" -> slice(n, a);
            case "Pad" -> pad(n, a);
            default -> throw unsupported("op " + n.getOpType() + " is not supported");
        }
    }

    /** Top, left, bottom, right padding from {@code pads} or {@code auto_pad}, for a 2-D window. */
    private int[] pads(Attributes a, Shape in, int kh, int kw, int sh, int sw) {
        String auto = a.string("auto_pad", "NOTSET");
        return switch (auto) {
            case "NOTSET" -> a.integers("pads", 4, new int[4], 0, MAX_WINDOW);
            case "VALID" -> new int[4];
            case "SAME_UPPER", "SAME_LOWER" -> {
                int th = samePadding(in.h(), kh, sh);
                int tw = samePadding(in.w(), kw, sw);
                boolean upper = auto.equals("SAME_UPPER"); // the odd pixel goes at the end
                int top = upper ? th / 2 : th - th / 2;
                int left = upper ? tw / 2 : tw - tw / 2;
                yield new int[] {top, left, th - top, tw - left};
            }
            default -> throw malformed("auto_pad '" + auto + "' is not NOTSET, VALID, SAME_UPPER or SAME_LOWER");
        };
    }

    private static int samePadding(int in, int k, int stride) {
        long out = (in + (long) stride - 1) / stride;
        return (int) Math.max(0, (out - 1) * stride + k - in);
    }

    private int[] strides(Attributes a) {
        return a.integers("strides", 2, new int[] {1, 1}, 1, MAX_WINDOW);
    }

    private void requireUnitDilation(Attributes a) {
        int[] d = a.integers("dilations", 2, new int[] {1, 1}, 0, MAX_WINDOW);
        if (d[0] != 1 || d[1] != 1) throw unsupported("dilation " + Arrays.toString(d) + " (only 1 is supported)");
    }

    private Shape nchw(int x, String op) {
        Shape s = b.shape(x);
        if (s.rank() != 4) throw unsupported(op + " on a rank-" + s.rank() + " input " + s + " (only 2-D NCHW is supported)");
        return s;
    }

    private void conv(NodeProto n, Attributes a) {
        int x = runtime(n, 0);
        Constant w = floatConstant(n, 1);
        Constant bias = optionalFloatConstant(n, 2);
        Shape in = nchw(x, "Conv");
        if (w.rank() != 4) throw unsupported("weight of rank " + w.rank() + " (only 2-D convolution is supported)");
        long group = a.integer("group", 1);
        if (group < 1 || group > in.c() || in.c() % group != 0 || w.dims()[0] % group != 0
                || w.dims()[1] * group != in.c()) {
            throw malformed("group=" + group + " does not fit input " + in + " and weight " + Arrays.toString(w.dims())
                    + " (the groups must divide the input's channels and the weight's output channels, and the"
                    + " weight hold C / group input channels)");
        }
        requireUnitDilation(a);
        Tensor weight = w.toTensor("weight '" + n.getInput(1) + "'");
        int kh = weight.shape().dim(2);
        int kw = weight.shape().dim(3);
        int[] kernel = a.integers("kernel_shape", 2, new int[] {kh, kw}, 0, Integer.MAX_VALUE);
        if (kernel[0] != kh || kernel[1] != kw) {
            throw malformed("kernel_shape " + Arrays.toString(kernel) + " disagrees with weight " + weight.shape());
        }
        int[] s = strides(a);
        int[] p = pads(a, in, kh, kw, s[0], s[1]);
        Tensor b0 = bias == null ? null : bias.toTensor("bias '" + n.getInput(2) + "'");
        defineRuntime(n, b.conv(name(n), x, weight, b0, (int) group, s[0], s[1], p[0], p[1], p[2], p[3]));
    }

    private void batchNorm(NodeProto n, Attributes a) {
        int x = runtime(n, 0);
        if (a.integer("training_mode", 0) != 0) throw unsupported("training_mode=1 (only inference is supported)");
        // Opsets 7 and 8 carry 'spatial' (default 1, per-channel statistics, what every ResNet uses);
        // spatial=0 normalises each activation on its own, with statistics of shape C x H x W.
        if (opset < 9 && a.integer("spatial", 1) != 1) throw unsupported("BatchNormalization with spatial=0");
        Tensor[] t = new Tensor[4];
        String[] what = {"scale", "B", "mean", "var"};
        for (int i = 0; i < 4; i++) t[i] = floatConstant(n, i + 1).toTensor(what[i] + " '" + n.getInput(i + 1) + "'");
        defineRuntime(n, b.batchNorm(name(n), x, t[0], t[1], t[2], t[3], a.real("epsilon", 1e-5f)));
    }

    private void maxPool(NodeProto n, Attributes a) {
        int x = runtime(n, 0);
        Shape in = nchw(x, "MaxPool");
        requireUnitDilation(a);
        int[] k = a.integers("kernel_shape", 2, null, 1, MAX_WINDOW);
        if (k == null) throw malformed("kernel_shape is missing");
        int[] s = strides(a);
        int[] p = pads(a, in, k[0], k[1], s[0], s[1]);
        if (a.integer("ceil_mode", 0) != 0) {
            // Ceil mode adds a last, partial window: the same as more padding at the end.
            p[2] += ceilExtra(in.h(), k[0], s[0], p[0], p[2]);
            p[3] += ceilExtra(in.w(), k[1], s[1], p[1], p[3]);
        }
        defineRuntime(n, b.maxPool(name(n), x, k[0], k[1], s[0], s[1], p[0], p[1], p[2], p[3]));
    }

    /** Extra end padding that makes floor-mode output sizes equal ceil-mode ones (a window must start inside). */
    private static int ceilExtra(int in, int k, int s, int begin, int end) {
        long span = (long) in + begin + end - k;
        if (span < 0) return 0;
        long out = (span + s - 1) / s + 1;
        if ((out - 1) * s >= in + begin) out--;
        return (int) Math.max(0, (out - 1) * s + k - (in + begin + end));
    }

    private void averagePool(NodeProto n, Attributes a) {
        int x = runtime(n, 0);
        Shape in = nchw(x, "AveragePool");
        requireUnitDilation(a);
        int[] k = a.integers("kernel_shape", 2, null, 1, MAX_WINDOW);
        if (k == null) throw malformed("kernel_shape is missing");
        int[] s = strides(a);
        int[] p = pads(a, in, k[0], k[1], s[0], s[1]);
        if (k[0] != in.h() || k[1] != in.w() || p[0] + p[1] + p[2] + p[3] != 0) {
            throw unsupported("AveragePool with kernel " + Arrays.toString(k) + " and pads " + Arrays.toString(p)
                    + " on " + in + " (only a window over the whole unpadded spatial extent is supported)");
        }
        defineRuntime(n, b.globalAvgPool(name(n), x));
    }

    private void reduceMean(NodeProto n, Attributes a) {
        int x = runtime(n, 0);
        Shape in = nchw(x, "ReduceMean");
        long[] axes = opset >= 18 ? (optional(n, 1) == null ? null : constant(n, 1).integers()) : a.integers("axes");
        if (axes == null || axes.length != 2) throw unsupported("ReduceMean over axes other than the spatial ones (2, 3)");
        Set<Integer> set = new HashSet<>();
        for (long ax : axes) set.add(ConstantFolding.axis(ax, 4, "axis"));
        if (!set.equals(Set.of(2, 3))) throw unsupported("ReduceMean over axes " + Arrays.toString(axes) + " (only 2, 3)");
        int y = b.globalAvgPool(name(n), x);
        if (a.integer("keepdims", 1) == 0) y = b.reshape(name(n) + ".squeeze", y, Shape.of(in.n(), in.c()));
        defineRuntime(n, y);
    }

    private void flatten(NodeProto n, Attributes a) {
        Val v = required(n, 0);
        long[] dims = longs(shapeOf(v));
        int axis = (int) a.integer("axis", 1);
        if (axis < 0) axis += dims.length;
        if (axis < 0 || axis > dims.length) throw malformed("axis " + a.integer("axis", 1) + " for rank " + dims.length);
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= dims[i];
        long inner = 1;
        for (int i = axis; i < dims.length; i++) inner *= dims[i];
        reshapeTo(n, v, new long[] {outer, inner});
    }

    private static long[] longs(Shape s) {
        long[] d = new long[s.rank()];
        for (int i = 0; i < d.length; i++) d[i] = s.dim(i);
        return d;
    }

    private void reshapeTo(NodeProto n, Val v, long[] dims) {
        if (v instanceof Const c) {
            if (Constant.count(dims, Constant.MAX_ELEMENTS) != c.c().size()) {
                throw malformed("cannot reshape " + c.c() + " to " + Arrays.toString(dims));
            }
            define(n, new Const(c.c().reshape(dims)));
            return;
        }
        int x = runtime(n, 0);
        defineRuntime(n, b.reshape(name(n), x, Constant.shapeOf(dims, "target shape")));
    }

    private void reshape(NodeProto n, Attributes a) {
        Val v = required(n, 0);
        long[] in = longs(shapeOf(v));
        long[] target = constant(n, 1).integers();
        boolean allowZero = a.integer("allowzero", 0) != 0;
        long[] out = new long[target.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            long d = target[i];
            if (d == 0 && !allowZero) {
                if (i >= in.length) throw malformed("shape entry " + i + " is 0 but the input has rank " + in.length);
                d = in[i];
            }
            if (d == -1) {
                if (infer >= 0) throw malformed("shape " + Arrays.toString(target) + " has two -1 entries");
                infer = i;
                continue;
            }
            if (d < 0 || d > Integer.MAX_VALUE) throw malformed("shape entry " + d + " in " + Arrays.toString(target));
            out[i] = d;
            known = Math.multiplyHigh(known, d) != 0 ? Long.MAX_VALUE : known * d;
        }
        long total = Constant.count(in, Long.MAX_VALUE / 2);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw malformed("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
            }
            out[infer] = total / known;
        }
        if (Constant.count(out, Long.MAX_VALUE / 2) != total) {
            throw malformed("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
        }
        reshapeTo(n, v, out);
    }

    private void squeeze(NodeProto n, Attributes a, boolean unsqueeze) {
        Val v = required(n, 0);
        long[] in = longs(shapeOf(v));
        long[] axes = opset >= 13 ? (optional(n, 1) == null ? null : constant(n, 1).integers()) : a.integers("axes");
        long[] out;
        if (unsqueeze) {
            if (axes == null) throw malformed("Unsqueeze without axes");
            int rank = in.length + axes.length;
            boolean[] inserted = new boolean[rank];
            for (long ax : axes) {
                int k = ConstantFolding.axis(ax, rank, "axis");
                if (inserted[k]) throw malformed("axis " + ax + " repeats");
                inserted[k] = true;
            }
            out = new long[rank];
            for (int i = 0, j = 0; i < rank; i++) out[i] = inserted[i] ? 1 : in[j++];
        } else {
            boolean[] removed = new boolean[in.length];
            if (axes == null) {
                for (int i = 0; i < in.length; i++) removed[i] = in[i] == 1;
            } else {
                for (long ax : axes) {
                    int k = ConstantFolding.axis(ax, in.length, "axis");
                    if (in[k] != 1) throw malformed("cannot squeeze axis " + ax + " of extent " + in[k]);
                    removed[k] = true;
                }
            }
            out = Arrays.stream(range(in.length)).filter(i -> !removed[i]).mapToLong(i -> in[i]).toArray();
        }
        reshapeTo(n, v, out);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    /** {@code W[out, in]} from a constant B that is [in, out] (or [out, in] when {@code transposed}), scaled. */
    private Tensor linearWeight(Constant bConst, boolean transposed, float alpha, String what) {
        if (bConst.rank() != 2) throw unsupported(what + " must be a matrix, found " + bConst);
        Constant w = transposed ? bConst : ConstantFolding.transpose(bConst, new long[] {1, 0});
        Tensor t = w.toTensor(what);
        if (alpha != 1f) {
            float[] scaled = t.toArray();
            for (int i = 0; i < scaled.length; i++) scaled[i] *= alpha;
            t = Tensor.wrap(scaled, t.shape());
        }
        return t;
    }

    private void gemm(NodeProto n, Attributes a) {
        int x = runtime(n, 0);
        Shape in = b.shape(x);
        if (in.rank() != 2) throw malformed("Gemm input A must be a matrix, found " + in);
        if (a.integer("transA", 0) != 0) throw unsupported("transA=1 (the image batch must be the rows)");
        float alpha = a.real("alpha", 1f);
        float beta = a.real("beta", 1f);
        Tensor w = linearWeight(floatConstant(n, 1), a.integer("transB", 0) != 0, alpha, "B '" + n.getInput(1) + "'");
        int k = w.shape().dim(0);
        Constant c = optionalFloatConstant(n, 2);
        Tensor bias = null;
        if (c != null) bias = Tensor.wrap(rowBias(c, k, beta), k);
        defineRuntime(n, b.linear(name(n), x, w, bias));
    }

    /** A bias that broadcasts over rows ([], [1], [K], [1, K]) as K values times {@code scale}. */
    private float[] rowBias(Constant c, int k, float scale) {
        long count = c.size();
        for (int i = 0; i < c.rank() - 1; i++) {
            if (c.dims()[i] != 1) throw unsupported("bias of shape " + c + " varies per row");
        }
        if (count != 1 && count != k) throw malformed("bias of shape " + c + " for " + k + " outputs");
        float[] r = new float[k];
        for (int i = 0; i < k; i++) r[i] = (float) (c.number(count == 1 ? 0 : i) * scale);
        return r;
    }

    private void matMul(NodeProto n) {
        int x = runtime(n, 0);
        Shape in = b.shape(x);
        if (in.rank() != 2) throw unsupported("MatMul on a rank-" + in.rank() + " input (only [N, features])");
        Tensor w = linearWeight(floatConstant(n, 1), false, 1f, "B '" + n.getInput(1) + "'");
        if (w.shape().dim(1) != in.dim(1)) throw new ShapeException("MatMul of " + in + " with " + w.shape() + " transposed");
        define(n, new PendingMatMul(name(n), x, w));
    }

    /** Sum of opsets 6 to 8 (older exporters' residual addition): one input is a copy, two an Add. */
    private void sum(NodeProto n) {
        switch (n.getInputCount()) {
            case 1 -> define(n, required(n, 0));
            case 2 -> arithmetic(n, Arithmetic.ADD);
            default -> throw unsupported("Sum of " + n.getInputCount() + " inputs (one or two are supported)");
        }
    }

    private void arithmetic(NodeProto n, Arithmetic op) {
        Val x = required(n, 0);
        Val y = required(n, 1);
        if (x instanceof Const cx && y instanceof Const cy) {
            define(n, new Const(ConstantFolding.arithmetic(op, cx.c(), cy.c())));
            return;
        }
        if (op == Arithmetic.ADD) {
            if (x instanceof Const && !(y instanceof Const)) { // make the constant the second operand
                Val t = x;
                x = y;
                y = t;
            }
            if (x instanceof PendingMatMul m && y instanceof Const c) {
                int k = m.weight().shape().dim(0);
                defineRuntime(n, b.linear(m.name(), m.input(), m.weight(), Tensor.wrap(rowBias(c.c(), k, 1f), k)));
                return;
            }
            if (!(y instanceof Const)) {
                defineRuntime(n, b.add(name(n), runtime(n, 0), runtime(n, 1)));
                return;
            }
        }
        boolean constFirst = x instanceof Const;
        if (constFirst == (y instanceof Const)) {
            throw unsupported(op + " of two computed tensors (only Add is supported between them)");
        }
        int data = runtime(n, constFirst ? 1 : 0);
        Constant c = floatConstant(n, constFirst ? 0 : 1);
        float[] v = perChannel(b.shape(data), c);
        float[] scale = new float[v.length];
        float[] shift = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            switch (op) {
                case ADD -> { scale[i] = 1; shift[i] = v[i]; }
                case SUB -> { scale[i] = constFirst ? -1 : 1; shift[i] = constFirst ? v[i] : -v[i]; }
                case MUL -> scale[i] = v[i];
                case DIV -> {
                    if (constFirst) throw unsupported("division of a constant by computed data");
                    scale[i] = 1 / v[i];
                }
            }
        }
        Shape s = b.shape(data);
        int c4 = s.rank() == 2 ? b.reshape(name(n) + ".nchw", data, Shape.nchw(s.dim(0), s.dim(1), 1, 1)) : data;
        int y4 = b.affine(name(n), c4, Tensor.wrap(scale, v.length), Tensor.wrap(shift, v.length), false);
        defineRuntime(n, s.rank() == 2 ? b.reshape(name(n) + ".flat", y4, s) : y4);
    }

    /** Per-channel values of a constant that broadcasts over every axis but the channel one of {@code s}. */
    private float[] perChannel(Shape s, Constant c) {
        if ((s.rank() != 4 && s.rank() != 2) || c.rank() > s.rank()) {
            throw unsupported("elementwise op of " + s + " with constant " + c + " (only per-channel constants)");
        }
        long[] d = new long[s.rank()];
        Arrays.fill(d, 1);
        System.arraycopy(c.dims(), 0, d, s.rank() - c.rank(), c.rank());
        int channels = s.dim(1);
        for (int i = 0; i < d.length; i++) {
            if (d[i] != 1 && !(i == 1 && d[i] == channels)) {
                throw unsupported("elementwise op of " + s + " with constant " + c + " (only per-channel constants)");
            }
        }
        float[] v = new float[channels];
        for (int i = 0; i < channels; i++) v[i] = (float) c.number(c.size() == 1 ? 0 : i);
        return v;
    }

    private void softmax(NodeProto n, Attributes a) {
        int x = runtime(n, 0);
        Shape s = b.shape(x);
        long axis = a.integer("axis", opset >= 13 ? -1 : 1);
        int ax = ConstantFolding.axis(axis, s.rank(), "axis");
        // Before opset 13 Softmax flattens from the axis on, after it works along that one axis: on
        // [N, K] and [N, K, 1, 1] both mean "over the K classes" exactly when the axis is 1.
        boolean overClasses = ax == 1 && (s.rank() == 2 || (s.rank() == 4 && s.dim(2) == 1 && s.dim(3) == 1));
        if (!overClasses) throw unsupported("Softmax over axis " + axis + " of " + s + " (only over the classes)");
        defineRuntime(n, b.softmax(name(n), x));
    }

    private void dropout(NodeProto n) {
        if (opset >= 12 && optional(n, 2) != null) {
            Constant training = constant(n, 2);
            if (training.size() != 1 || training.number(0) != 0) throw unsupported("training_mode is true");
        }
        define(n, required(n, 0));
    }

    private Constant constantNode(NodeProto n, Attributes a) {
        AttributeProto t = a.tensor("value");
        if (t != null) return new TensorReader(file).read(t.getT(), n.getOutputCount() > 0 ? n.getOutput(0) : "?");
        if (a.has("value_float")) return Constant.ofFloats(new long[0], new float[] {a.real("value_float", 0)});
        if (a.has("value_floats")) {
            float[] f = a.reals("value_floats");
            return Constant.ofFloats(new long[] {f.length}, f);
        }
        if (a.has("value_int")) return Constant.scalar(a.integer("value_int", 0));
        if (a.has("value_ints")) return Constant.vector(a.integers("value_ints"));
        throw unsupported("a Constant with attributes " + a.names() + " (only value, value_float(s), value_int(s))");
    }

    private void shape(NodeProto n, Attributes a) {
        long[] dims = longs(shapeOf(required(n, 0)));
        long start = a.integer("start", 0);
        long end = a.integer("end", dims.length);
        long[] r = ConstantFolding.sliceRange(start, end, 1, dims.length);
        define(n, new Const(Constant.vector(Arrays.copyOfRange(dims, (int) r[0], (int) (r[0] + r[2])))));
    }

    private void concat(NodeProto n, Attributes a) {
        if (n.getInputCount() == 0) throw malformed("Concat without inputs");
        Constant[] parts = new Constant[n.getInputCount()];
        for (int i = 0; i < parts.length; i++) parts[i] = constant(n, i);
        if (!a.has("axis")) throw malformed("axis is missing");
        define(n, new Const(ConstantFolding.concat(parts, a.integer("axis", 0))));
    }

    private void cast(NodeProto n, Attributes a) {
        int to = (int) a.integer("to", 0);
        Val v = required(n, 0);
        if (v instanceof Const c) {
            define(n, new Const(ConstantFolding.cast(c.c(), to)));
        } else if (to == 1) { // FLOAT to FLOAT: the data is already float
            define(n, v);
        } else {
            throw unsupported("Cast of the image data to data_type " + to);
        }
    }

    private void slice(NodeProto n, Attributes a) {
        Val v = required(n, 0);
        long[] dims = longs(shapeOf(v));
        long[] starts, ends, axes, steps;
        if (opset < 10) {
            starts = a.integers("starts");
            ends = a.integers("ends");
            axes = a.integers("axes");
            steps = null;
        } else {
            starts = constant(n, 1).integers();
            ends = constant(n, 2).integers();
            axes = optional(n, 3) == null ? null : constant(n, 3).integers();
            steps = optional(n, 4) == null ? null : constant(n, 4).integers();
        }
        if (starts == null || ends == null || starts.length != ends.length
                || (axes != null && axes.length != starts.length) || (steps != null && steps.length != starts.length)) {
            throw malformed("starts, ends, axes and steps disagree in length");
        }
        long[][] ranges = new long[dims.length][];
        for (int d = 0; d < dims.length; d++) ranges[d] = new long[] {0, 1, dims[d]};
        for (int i = 0; i < starts.length; i++) {
            int ax = ConstantFolding.axis(axes == null ? i : axes[i], dims.length, "axis");
            ranges[ax] = ConstantFolding.sliceRange(starts[i], ends[i], steps == null ? 1 : steps[i], dims[ax]);
        }
        if (v instanceof Const c) {
            define(n, new Const(ConstantFolding.slice(c.c(), ranges)));
            return;
        }
        // On image data: only the strided subsampling of option-A shortcuts, x[:, :, ::s, ::s], in one
        // Slice or one per axis (what torch.onnx.export writes).
        if (dims.length != 4) throw unsupported("Slice of rank-" + dims.length + " image data");
        boolean whole01 = ranges[0][0] == 0 && ranges[0][1] == 1 && ranges[0][2] == dims[0]
                && ranges[1][0] == 0 && ranges[1][1] == 1 && ranges[1][2] == dims[1];
        long sh = ranges[2][1];
        long sw = ranges[3][1];
        if (!whole01 || ranges[2][0] != 0 || ranges[3][0] != 0 || sh < 1 || sw < 1 || sh > MAX_WINDOW || sw > MAX_WINDOW
                || ranges[2][2] != (dims[2] + sh - 1) / sh || ranges[3][2] != (dims[3] + sw - 1) / sw) {
            throw unsupported("Slice of image data other than x[:, :, ::s, ::s]");
        }
        int input;
        long strideH = sh, strideW = sw;
        if (v instanceof PendingSubsample p) {
            input = p.input();
            strideH *= p.strideH();
            strideW *= p.strideW();
        } else {
            input = runtime(n, 0);
        }
        if (strideH == 1 && strideW == 1) {
            defineRuntime(n, b.reshape(name(n), input, nchw(input, "Slice")));
        } else if (strideH > MAX_WINDOW || strideW > MAX_WINDOW) {
            throw unsupported("Slice subsampling by " + strideH + " x " + strideW);
        } else {
            define(n, new PendingSubsample(name(n), input, (int) strideH, (int) strideW));
        }
    }

    private void pad(NodeProto n, Attributes a) {
        int x = runtime(n, 0);
        Shape in = nchw(x, "Pad");
        String mode = a.string("mode", "constant");
        long[] pads;
        double value;
        if (opset < 11) {
            pads = a.integers("pads");
            value = a.real("value", 0f);
        } else {
            pads = constant(n, 1).integers();
            Constant cv = optionalConstant(n, 2);
            value = cv == null || cv.size() == 0 ? 0 : cv.number(0);
            if (optional(n, 3) != null) {
                long[] axes = constant(n, 3).integers();
                long[] full = new long[8];
                if (pads.length != 2 * axes.length) throw malformed("pads and axes disagree in length");
                for (int i = 0; i < axes.length; i++) {
                    int ax = ConstantFolding.axis(axes[i], 4, "axis");
                    full[ax] = pads[i];
                    full[ax + 4] = pads[i + axes.length];
                }
                pads = full;
            }
        }
        if (pads == null || pads.length != 8) throw malformed("pads must have 8 values for a rank-4 input");
        boolean channelsOnly = true;
        for (int i = 0; i < 8; i++) if (i != 1 && i != 5 && pads[i] != 0) channelsOnly = false;
        if (!mode.equals("constant") || value != 0 || !channelsOnly || pads[1] < 0 || pads[5] < 0
                || pads[1] > MAX_CHANNEL_PAD || pads[5] > MAX_CHANNEL_PAD) {
            throw unsupported("Pad " + mode + " " + Arrays.toString(pads) + " value " + value
                    + " (only zero channels before or after the image's, as option-A shortcuts do)");
        }
        int before = (int) pads[1], after = (int) pads[5];
        defineRuntime(n, before == 0 && after == 0 ? b.reshape(name(n), x, in)
                : b.shortcutPad(name(n), x, 1, in.c() + before + after, before));
    }
}
