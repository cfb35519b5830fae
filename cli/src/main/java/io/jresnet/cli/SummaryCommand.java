package io.jresnet.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jresnet.plan.Graph;
import io.jresnet.plan.Op;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.tensor.Shape;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jresnet summary MODEL}: layers with output shapes and parameters, totals, and the fused plan's size. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Print a model's layers, output shapes, parameter and multiply-accumulate counts.")
final class SummaryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A zoo name (resnet50, resnet20, plain20, ...) or a .safetensors, .pth or .onnx file.")
    String model;

    @Option(names = "--arch", description = "Architecture of a weights file, when its weights match no zoo architecture by name and shape.")
    String arch;

    @Option(names = "--input-size", paramLabel = "N", description = "Image side (default: 224 for ImageNet stems, 32 for CIFAR).")
    int inputSize;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", description = "Print one JSON object (params and macs as integers, and every layer).")
    boolean json;

    @Override
    public Integer call() throws IOException {
        LoadedModel m = ModelSource.loadArchitecture(model, arch);
        int size = inputSize > 0 ? inputSize : m.defaultInputSize();
        Shape input = Shape.nchw(batch, m.inChannels(), size, size);
        Graph graph = m.graph(input);
        Plan plan = Planner.plan(graph);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(CliJson.mapper().writeValueAsString(toJson(m, graph, plan)));
        } else {
            printTable(out, m, graph, plan);
        }
        out.flush();
        return 0;
    }

    /** Parameters of one graph op: only convolutions, batch norms and linear layers own any. */
    private static long params(LoadedModel m, Op op) {
        return switch (op) {
            case Op.Conv c -> m.parameterCount(c.name());
            case Op.BatchNorm b -> m.parameterCount(b.name());
            case Op.Linear l -> m.parameterCount(l.name());
            default -> 0;
        };
    }

    private static String kind(Op op) {
        return op.getClass().getSimpleName();
    }

    private static ObjectNode toJson(LoadedModel m, Graph graph, Plan plan) {
        ObjectNode o = CliJson.mapper().createObjectNode();
        o.put("model", m.name());
        o.put("origin", m.origin());
        dims(o.putArray("input_shape"), graph.inputShape());
        dims(o.putArray("output_shape"), graph.outputShape());
        o.put("params", m.parameterCount());
        o.put("macs", graph.macs());
        o.put("plan_ops", plan.ops().size());
        o.put("activation_bytes", plan.totalBufferFloats() * Float.BYTES);
        ArrayNode layers = o.putArray("layers");
        for (Op op : graph.ops()) {
            ObjectNode l = layers.addObject();
            l.put("name", op.name());
            l.put("kind", kind(op));
            dims(l.putArray("output_shape"), graph.shape(op.output()));
            l.put("params", params(m, op));
            l.put("macs", op.macs(graph));
        }
        return o;
    }

    private static void dims(ArrayNode a, Shape s) {
        for (int d : s.dims()) a.add(d);
    }

    private static void printTable(PrintWriter out, LoadedModel m, Graph graph, Plan plan) {
        out.printf(Locale.ROOT, "%s (%s)%n", m.name(), m.origin());
        out.printf(Locale.ROOT, "%4s  %-28s %-13s %-20s %12s %16s%n", "#", "layer", "kind", "output shape", "params", "MACs");
        for (int i = 0; i < graph.ops().size(); i++) {
            Op op = graph.ops().get(i);
            out.printf(Locale.ROOT, "%4d  %-28s %-13s %-20s %,12d %,16d%n", i, op.name(), kind(op), graph.shape(op.output()),
                    params(m, op), op.macs(graph));
        }
        long macs = graph.macs();
        out.printf(Locale.ROOT, "input %s -> output %s%n", graph.inputShape(), graph.outputShape());
        out.printf(Locale.ROOT, "parameters: %,d%n", m.parameterCount());
        out.printf(Locale.ROOT, "MACs: %,d (%.2f G; FLOPs = 2 x MACs)%n", macs, macs / 1e9);
        out.printf(Locale.ROOT, "fused plan: %d ops, %d buffers, %.1f MB of activations%n", plan.ops().size(), plan.bufferCount(),
                plan.totalBufferFloats() * (double) Float.BYTES / 1e6);
    }
}
