package io.jresnet.models.io;

import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.nn.Parameter;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.nn.ShortcutType;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Saves and loads whole networks as safetensors files under torchvision's parameter names, so a
 * file converted from a torchvision checkpoint loads directly and a file written here loads in
 * torch ({@code model.load_state_dict(safetensors.torch.load_file(f))}).
 *
 * <p>The writer records the architecture in {@code __metadata__}: {@code arch} (the spec's name) and
 * the details that rebuild variants outside the zoo ({@code block}, {@code blocks_per_stage},
 * {@code stage_widths}, {@code stem}, {@code shortcut}, {@code in_channels}, {@code num_classes}).
 */
public final class ModelFiles {
    /** The metadata key of the architecture's name: {@value}. */
    public static final String ARCH = "arch";
    static final String BLOCK = "block";
    static final String BLOCKS_PER_STAGE = "blocks_per_stage";
    static final String STAGE_WIDTHS = "stage_widths";
    static final String STEM = "stem";
    static final String SHORTCUT = "shortcut";
    static final String IN_CHANNELS = "in_channels";
    static final String NUM_CLASSES = "num_classes";
    /** Optional (files written before it existed have none): torchvision's width_per_group, 64 when absent. */
    static final String BOTTLENECK_WIDTH = "bottleneck_width";
    /** Optional: "true" for pre-activation blocks (He et al. 2016), false when absent. */
    static final String PRE_ACTIVATION = "pre_activation";
    /** Optional: a ResNeXt's cardinality (the 3x3 convolutions' groups), 1 when absent. */
    static final String GROUPS = "groups";

    private ModelFiles() {}

    /**
     * Writes a network's state dict under torchvision's names, with its architecture in the metadata,
     * through a temporary file renamed at the end.
     *
     * @param net the network
     * @param file the {@code .safetensors} file, replaced if it exists
     * @throws IOException if the file cannot be written
     */
    public static void save(ResNet net, Path file) throws IOException {
        SafeTensors.write(file, net.stateDict(), metadata(net.spec()));
    }

    static Map<String, String> metadata(ResNetSpec spec) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt"); // what safetensors.torch writes; some tools look for it
        m.put(ARCH, spec.name());
        m.put(BLOCK, spec.block().name().toLowerCase(Locale.ROOT));
        m.put(BLOCKS_PER_STAGE, join(spec.blocksPerStage()));
        m.put(STAGE_WIDTHS, join(spec.stageWidths()));
        m.put(STEM, spec.stem().name().toLowerCase(Locale.ROOT));
        m.put(SHORTCUT, spec.shortcut().name());
        m.put(IN_CHANNELS, Integer.toString(spec.inChannels()));
        m.put(NUM_CLASSES, Integer.toString(spec.numClasses()));
        if (spec.bottleneckWidth() != ResNetSpec.DEFAULT_BOTTLENECK_WIDTH) {
            m.put(BOTTLENECK_WIDTH, Integer.toString(spec.bottleneckWidth()));
        }
        if (spec.preActivation()) m.put(PRE_ACTIVATION, "true");
        if (spec.groups() != 1) m.put(GROUPS, Integer.toString(spec.groups()));
        return m;
    }

    /**
     * {@return the network of a weights file, in eval mode}
     * The architecture comes from the file's metadata (safetensors written by jresnet) or, for a file
     * without it (a torchvision state dict, a {@code .pth} checkpoint), from its parameter names and
     * shapes ({@link ArchitectureMatch}).
     *
     * @param file a {@code .safetensors} file or a PyTorch checkpoint ({@code .pth}, {@code .pt})
     * @throws io.jresnet.FormatException naming the file if it is not a valid safetensors file or its
     *     weights do not fit the architecture
     * @throws java.io.IOException if the file cannot be read
     */
    public static ResNet load(Path file) throws IOException {
        return load(file, null);
    }

    /**
     * Builds the network and loads every weight strictly (names and shapes must match exactly).
     *
     * @param arch the zoo architecture, or null to take it from the file's metadata or, without
     *     one, from the weights' names and shapes; an explicit name wins over both, with the class and
     *     input-channel counts read off the weights
     * @param file a {@code .safetensors} file or a PyTorch checkpoint ({@code .pth}, {@code .pt})
     * @return the network, in eval mode
     * @throws io.jresnet.FormatException naming the file if it is not a valid safetensors file or its
     *     weights do not fit the architecture
     * @throws java.io.IOException if the file cannot be read
     */
    public static ResNet load(Path file, String arch) throws IOException {
        SafeTensors.Contents raw = isPyTorchCheckpoint(file)
                ? new SafeTensors.Contents(PyTorchCheckpoint.read(file), Map.of())
                : SafeTensors.read(file);
        SafeTensors.Contents contents = new SafeTensors.Contents(CheckpointNames.normalize(raw.tensors()), raw.metadata());
        ResNetSpec spec = spec(file, contents, arch);
        ResNet net;
        try {
            net = new ResNet(spec); // no initialisation: every weight is overwritten below
        } catch (JResnetException e) {
            throw FormatException.in(file, "cannot build " + spec + ": " + e.getMessage());
        }
        Map<String, Tensor> state = new LinkedHashMap<>(contents.tensors());
        // Checkpoints saved before torch 0.4.1 have no BN batch counters; torch accepts them, so do we.
        for (Map.Entry<String, Parameter> p : net.namedParameters().entrySet()) {
            if (p.getKey().endsWith("num_batches_tracked")) state.putIfAbsent(p.getKey(), p.getValue().value());
        }
        net.train(false);
        try {
            net.loadStateDict(state, true);
        } catch (JResnetException e) {
            throw FormatException.in(file, "weights do not fit " + spec.name() + ": " + e.getMessage());
        }
        return net;
    }

    /**
     * {@return whether {@code file} is named as a PyTorch checkpoint: {@code .pth} or {@code .pt}}
     *
     * @param file the file
     */
    public static boolean isPyTorchCheckpoint(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".pth") || name.endsWith(".pt");
    }

    private static ResNetSpec spec(Path file, SafeTensors.Contents contents, String arch) {
        Map<String, String> meta = contents.metadata();
        String metaArch = meta.get(ARCH);
        String name = arch != null ? arch : metaArch;
        if (name == null) return ArchitectureMatch.infer(file, contents.tensors());
        boolean described = meta.keySet().containsAll(
                java.util.List.of(BLOCK, BLOCKS_PER_STAGE, STAGE_WIDTHS, STEM, SHORTCUT, IN_CHANNELS, NUM_CLASSES));
        if (described && name.equals(metaArch)) {
            ResNetSpec spec = describedSpec(file, meta);
            requireLargeWeights(file, spec, contents.tensors());
            return spec;
        }
        ResNetSpec spec;
        try {
            spec = ResNetSpec.named(name);
        } catch (JResnetException e) {
            throw FormatException.in(file, e.getMessage());
        }
        Tensor fc = contents.tensors().get("fc.weight");
        if (fc != null && fc.rank() == 2) spec = spec.withClasses(fc.shape().dim(0));
        Tensor conv1 = contents.tensors().get("conv1.weight");
        if (conv1 != null && conv1.rank() == 4) spec = spec.withInChannels(conv1.shape().dim(1));
        return spec;
    }

    private static ResNetSpec describedSpec(Path file, Map<String, String> meta) {
        try {
            return new ResNetSpec(meta.get(ARCH),
                    ResNetSpec.Block.valueOf(meta.get(BLOCK).toUpperCase(Locale.ROOT)),
                    ints(meta.get(BLOCKS_PER_STAGE)), ints(meta.get(STAGE_WIDTHS)),
                    ResNetSpec.Stem.valueOf(meta.get(STEM).toUpperCase(Locale.ROOT)),
                    ShortcutType.valueOf(meta.get(SHORTCUT).toUpperCase(Locale.ROOT)),
                    positive(meta.get(IN_CHANNELS)), positive(meta.get(NUM_CLASSES)),
                    meta.containsKey(BOTTLENECK_WIDTH) ? positive(meta.get(BOTTLENECK_WIDTH))
                            : ResNetSpec.DEFAULT_BOTTLENECK_WIDTH,
                    Boolean.parseBoolean(meta.getOrDefault(PRE_ACTIVATION, "false")),
                    meta.containsKey(GROUPS) ? positive(meta.get(GROUPS)) : 1);
        } catch (IllegalArgumentException | JResnetException e) {
            throw FormatException.in(file, "the metadata describes no valid architecture ("
                    + e.getMessage() + "): " + meta);
        }
    }

    /**
     * Checks the metadata against the weights before anything is allocated: the stem, every 3x3 conv
     * (and bottleneck expansion conv) and the classifier must be in the file with the shapes the
     * metadata implies. Every other weight is smaller than these, so a file whose metadata lies
     * cannot make us build a network much larger than the file.
     */
    private static void requireLargeWeights(Path file, ResNetSpec spec, Map<String, Tensor> tensors) {
        int stemKernel = spec.stem() == ResNetSpec.Stem.IMAGENET ? 7 : 3;
        int[] widths = spec.stageWidths();
        requireShape(file, spec, tensors, "conv1.weight", widths[0], spec.inChannels(), stemKernel, stemKernel);
        for (int s = 0; s < widths.length; s++) {
            int w = widths[s];
            int inner = spec.innerWidth(w);
            for (int b = 0; b < spec.blocksPerStage()[s]; b++) {
                String block = "layer" + (s + 1) + "." + b + ".";
                requireShape(file, spec, tensors, block + "conv2.weight", inner, inner / spec.groups(), 3, 3);
                if (spec.block() == ResNetSpec.Block.BOTTLENECK) {
                    requireShape(file, spec, tensors, block + "conv3.weight", w * spec.expansion(), inner, 1, 1);
                }
            }
        }
        requireShape(file, spec, tensors, "fc.weight", spec.numClasses(), widths[widths.length - 1] * spec.expansion());
    }

    private static void requireShape(Path file, ResNetSpec spec, Map<String, Tensor> tensors, String name, int... dims) {
        Tensor t = tensors.get(name);
        if (t == null || !Arrays.equals(t.shape().dims(), dims)) {
            throw FormatException.in(file, "the metadata describes " + spec + ", so tensor '" + name
                    + "' should have shape " + Arrays.toString(dims) + ", found "
                    + (t == null ? "no such tensor" : t.shape().toString()));
        }
    }

    private static String join(int[] values) {
        return String.join(",", Arrays.stream(values).mapToObj(Integer::toString).toList());
    }

    private static int[] ints(String csv) {
        int[] v = Arrays.stream(csv.split(",")).mapToInt(s -> positive(s.strip())).toArray();
        return v;
    }

    /** A count between 1 and 2^20; anything larger in metadata is a corrupt file, not a network. */
    private static int positive(String s) {
        int v = Integer.parseInt(s);
        if (v < 1 || v > 1 << 20) throw new IllegalArgumentException(s + " is out of range");
        return v;
    }
}
