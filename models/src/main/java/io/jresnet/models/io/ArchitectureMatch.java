package io.jresnet.models.io;

import io.jresnet.FormatException;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.nn.ShortcutType;
import io.jresnet.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells which zoo architecture a state dict without metadata is (a torchvision or timm checkpoint, a
 * {@code .pth} file), from its parameter names and shapes alone: the architecture whose every
 * parameter the file has with the same shape, and nothing more. The class count and input channels
 * are read off {@code fc.weight} and {@code conv1.weight} first, so a fine-tuned or grayscale
 * variant of a zoo network matches too. Zoo order decides ties: a CIFAR ResNet with option-A
 * shortcuts has no shortcut parameters, so it and its plain twin have the same state dict, and the
 * ResNet is taken.
 */
public final class ArchitectureMatch {
    private ArchitectureMatch() {}

    /** How a candidate differs from the file: how many tensors, and the first of them in the network's order. */
    private record Difference(ResNetSpec spec, int count, String first) {}

    /**
     * {@return the zoo architecture whose parameters the state dict has exactly, with its class count and input channels}
     *
     * @param file the weights file, for messages
     * @param state the state dict, torchvision's names (wrapper prefixes already removed)
     * @throws FormatException naming the file, the three closest architectures and how each differs
     *     when none matches
     */
    public static ResNetSpec infer(Path file, Map<String, Tensor> state) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        state.forEach((k, t) -> shapes.put(k, t.shape().dims()));
        return inferFromShapes(file, shapes);
    }

    /** {@link #infer} on the tensors' shapes alone. */
    static ResNetSpec inferFromShapes(Path file, Map<String, int[]> state) {
        List<Difference> differences = new ArrayList<>();
        for (ResNetSpec zoo : ResNetSpec.zoo().values()) {
            ResNetSpec spec = adapt(zoo, state);
            Difference d = compare(spec, state);
            if (d.count() == 0) return spec;
            differences.add(d);
        }
        differences.sort(Comparator.comparingInt(Difference::count));
        List<String> closest = differences.stream().limit(3)
                .map(d -> d.spec().name() + " (" + d.count() + " tensors differ; first: " + d.first() + ")").toList();
        throw FormatException.in(file, "its " + state.size() + " tensors match no zoo architecture; closest: "
                + String.join("; ", closest) + ". Name the architecture (--arch on the command line,"
                + " ModelFiles.load(file, arch) in code) if its weights fit one under other names");
    }

    private static ResNetSpec adapt(ResNetSpec spec, Map<String, int[]> state) {
        int[] fc = state.get("fc.weight");
        if (fc != null && fc.length == 2 && fc[0] > 0) spec = spec.withClasses(fc[0]);
        int[] conv1 = state.get("conv1.weight");
        if (conv1 != null && conv1.length == 4 && conv1[1] > 0) spec = spec.withInChannels(conv1[1]);
        return spec;
    }

    private static Difference compare(ResNetSpec spec, Map<String, int[]> state) {
        Map<String, int[]> expected = expectedShapes(spec);
        int count = 0;
        String first = null;
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            int[] t = state.get(e.getKey());
            String problem = null;
            if (t == null) {
                if (!e.getKey().endsWith("num_batches_tracked")) problem = "'" + e.getKey() + "' is missing";
            } else if (!Arrays.equals(t, e.getValue())) {
                problem = "'" + e.getKey() + "' is " + Arrays.toString(t) + ", expected " + Arrays.toString(e.getValue());
            }
            if (problem != null) {
                count++;
                if (first == null) first = problem;
            }
        }
        for (String name : state.keySet()) {
            if (!expected.containsKey(name)) {
                count++;
                if (first == null) first = "'" + name + "' is not in " + spec.name();
            }
        }
        return new Difference(spec, count, first);
    }

    /**
     * {@return every parameter and buffer of the network, torchvision's names, in its order, with shapes}
     * Computed from the spec without building the network (ResNet-152 would allocate 240 MB per
     * candidate); {@code ArchitectureMatchTest} holds it equal to {@code new ResNet(spec).stateDict()}
     * for the whole zoo.
     *
     * @param spec the architecture
     */
    static Map<String, int[]> expectedShapes(ResNetSpec spec) {
        Map<String, int[]> m = new LinkedHashMap<>();
        int width = spec.stageWidths()[0];
        boolean imagenet = spec.stem() == ResNetSpec.Stem.IMAGENET;
        conv(m, "conv1", width, spec.inChannels(), imagenet ? 7 : 3);
        if (!spec.preActivation() || imagenet) batchNorm(m, "bn1", width);
        int in = width;
        for (int s = 0; s < spec.blocksPerStage().length; s++) {
            int planes = spec.stageWidths()[s];
            int out = planes * spec.expansion();
            int inner = spec.innerWidth(planes);
            boolean basic = spec.block() == ResNetSpec.Block.BASIC;
            for (int b = 0; b < spec.blocksPerStage()[s]; b++) {
                String p = "layer" + (s + 1) + "." + b + ".";
                int stride = (b == 0 && s > 0) ? 2 : 1;
                if (spec.preActivation()) {
                    batchNorm(m, p + "bn1", in);
                    conv(m, p + "conv1", inner, in, basic ? 3 : 1);
                    batchNorm(m, p + "bn2", inner);
                    conv(m, p + "conv2", basic ? out : inner, inner, 3);
                    if (!basic) {
                        batchNorm(m, p + "bn3", inner);
                        conv(m, p + "conv3", out, inner, 1);
                    }
                } else {
                    conv(m, p + "conv1", inner, in, basic ? 3 : 1);
                    batchNorm(m, p + "bn1", inner);
                    conv(m, p + "conv2", basic ? out : inner, inner / spec.groups(), 3);
                    batchNorm(m, p + "bn2", basic ? out : inner);
                    if (!basic) {
                        conv(m, p + "conv3", out, inner, 1);
                        batchNorm(m, p + "bn3", out);
                    }
                }
                boolean shapeChanges = stride != 1 || in != out;
                if (spec.shortcut() == ShortcutType.C || (spec.shortcut() == ShortcutType.B && shapeChanges)) {
                    conv(m, p + "downsample.0", out, in, 1);
                    if (!spec.preActivation()) batchNorm(m, p + "downsample.1", out);
                }
                in = out;
            }
        }
        if (spec.preActivation()) batchNorm(m, "final_bn", in);
        m.put("fc.weight", new int[] {spec.numClasses(), in});
        m.put("fc.bias", new int[] {spec.numClasses()});
        return m;
    }

    private static void conv(Map<String, int[]> m, String name, int out, int in, int k) {
        m.put(name + ".weight", new int[] {out, in, k, k});
    }

    private static void batchNorm(Map<String, int[]> m, String name, int c) {
        for (String p : List.of("weight", "bias", "running_mean", "running_var")) m.put(name + "." + p, new int[] {c});
        m.put(name + ".num_batches_tracked", new int[0]);
    }
}
