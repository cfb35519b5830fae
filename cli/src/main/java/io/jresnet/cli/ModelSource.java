package io.jresnet.cli;

import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.models.Zoo;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.models.onnx.OnnxImporter;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** The one place that turns a {@code --model} argument into a {@link LoadedModel}. */
public final class ModelSource {
    private ModelSource() {}

    /**
     * Loads a model.
     *
     * @param modelArg a zoo name ({@code resnet50}) or a file; anything with a dot or a path
     *     separator, or an existing file, is a file
     * @param arch the architecture of a file whose metadata does not name one; null otherwise
     * @param seed the seed of the random weights of a zoo model
     */
    public static LoadedModel load(String modelArg, String arch, long seed) throws IOException {
        if (isFile(modelArg)) return loadFile(Path.of(modelArg), arch);
        return new NetworkModel(Zoo.build(zooSpec(modelArg, arch), seed), "seeded random weights, seed " + seed);
    }

    /**
     * As {@link #load}, but a zoo name gives its architecture with every weight zero: for commands that
     * need only shapes and counts ({@code summary}), which then skip drawing ResNet-50's 25 million
     * random weights (about half a second).
     *
     * @param modelArg a zoo name or a file, as for {@link #load}
     * @param arch the architecture of a file whose metadata does not name one; null otherwise
     */
    public static LoadedModel loadArchitecture(String modelArg, String arch) throws IOException {
        if (isFile(modelArg)) return loadFile(Path.of(modelArg), arch);
        ResNet net = new ResNet(zooSpec(modelArg, arch));
        net.train(false);
        return new NetworkModel(net, "architecture only, no weights");
    }

    private static ResNetSpec zooSpec(String modelArg, String arch) {
        ResNetSpec spec = ResNetSpec.named(modelArg);
        if (arch != null && !arch.equalsIgnoreCase(spec.name())) {
            throw new JResnetException("--arch " + arch + " applies to weight files; '" + modelArg
                    + "' is already an architecture");
        }
        return spec;
    }

    /** {@return whether {@code modelArg} names a file rather than a zoo architecture} */
    static boolean isFile(String modelArg) {
        return modelArg.contains(".") || modelArg.contains("/") || modelArg.contains(java.io.File.separator)
                || Files.exists(Path.of(modelArg));
    }

    private static LoadedModel loadFile(Path file, String arch) throws IOException {
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString());
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String extension = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "";
        return switch (extension) {
            case "safetensors", "pth", "pt" -> new NetworkModel(ModelFiles.load(file, arch), file.toString());
            case "onnx" -> new OnnxLoadedModel(OnnxImporter.load(file));
            default -> throw FormatException.in(file, "unknown model file type '" + extension
                    + "'; expected a .safetensors, .pth, .pt or .onnx file or a zoo name (" + String.join(", ", Zoo.names()) + ")");
        };
    }
}
