package io.jresnet.cli;

import io.jresnet.models.onnx.OnnxModel;
import io.jresnet.nn.ResNet;
import io.jresnet.plan.Graph;
import io.jresnet.plan.Op;
import io.jresnet.tensor.Shape;
import java.util.Locale;
import java.util.Optional;

/**
 * A {@link LoadedModel} imported from an ONNX file. It has a graph but no module tree, so commands that
 * need one (safetensors export, training) say so.
 */
record OnnxLoadedModel(OnnxModel model) implements LoadedModel {
    @Override
    public String name() {
        String file = model.file().getFileName().toString();
        return file.toLowerCase(Locale.ROOT).endsWith(".onnx") ? file.substring(0, file.length() - 5) : file;
    }

    @Override
    public String origin() {
        return model.file() + " (ONNX opset " + model.opset()
                + (model.producer().isEmpty() ? "" : ", written by " + model.producer()) + ")";
    }

    private long declared(int i, long fallback) {
        long[] dims = model.declaredInputDims();
        return dims != null && dims.length == 4 && dims[i] > 0 ? dims[i] : fallback;
    }

    @Override
    public int inChannels() {
        return model.imageChannels();
    }

    @Override
    public int defaultInputSize() {
        return model.imageSize();
    }

    @Override
    public Graph graph(Shape input) {
        return model.toGraph(input);
    }

    @Override
    public long parameterCount() {
        return parameterCount(null);
    }

    /**
     * Weights of the ops at {@code path} (a node name, or a dotted prefix of node names): conv and linear
     * weights and biases, batch-norm scales and shifts (running statistics are not parameters).
     */
    @Override
    public long parameterCount(String path) {
        Graph g = graph(Shape.nchw(1, inChannels(), defaultInputSize(), (int) declared(3, defaultInputSize())));
        long n = 0;
        for (Op op : g.ops()) {
            if (path != null && !(op.name().equals(path) || op.name().startsWith(path + "."))) continue;
            n += switch (op) {
                // a conv written without bias gets an all-zero one on import: it has no parameters
                case Op.Conv c -> c.weight().size() + (isZero(c.bias()) ? 0 : c.bias().size());
                case Op.Linear l -> l.weight().size() + l.bias().size();
                case Op.BatchNorm b -> b.gamma().size() + b.beta().size();
                default -> 0;
            };
        }
        return n;
    }

    private static boolean isZero(io.jresnet.tensor.Tensor t) {
        for (int i = 0; i < t.size(); i++) if (t.array()[t.offset() + i] != 0f) return false;
        return true;
    }

    @Override
    public Optional<ResNet> network() {
        return Optional.empty();
    }
}
