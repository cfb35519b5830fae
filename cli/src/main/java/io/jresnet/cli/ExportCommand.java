package io.jresnet.cli;

import io.jresnet.JResnetException;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.models.onnx.OnnxExporter;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Shape;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jresnet export}: writes a model as ONNX or safetensors. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a model as ONNX (opset " + OnnxExporter.OPSET + ", dynamic batch) or as safetensors (torchvision names).")
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME|FILE",
            description = "A zoo name (seeded random weights), a .safetensors, .pth or .onnx file.")
    String model;

    @Option(names = "--arch", description = "Architecture of a weights file, when its weights match no zoo architecture by name and shape.")
    String arch;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of a zoo model's random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--format", required = true, paramLabel = "onnx|safetensors", description = "Output format.")
    String format;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write.")
    Path out;

    @Override
    public Integer call() throws IOException {
        LoadedModel m = ModelSource.load(model, arch, seed);
        Optional<ResNet> net = m.network();
        switch (format.toLowerCase(Locale.ROOT)) {
            case "onnx" -> {
                if (net.isPresent()) {
                    OnnxExporter.write(net.get(), out);
                } else {
                    int size = m.defaultInputSize();
                    OnnxExporter.write(m.graph(Shape.nchw(1, m.inChannels(), size, size)), out);
                }
            }
            case "safetensors" -> ModelFiles.save(net.orElseThrow(() -> new JResnetException(
                    m.name() + " was imported from ONNX and has no jresnet architecture; it can be exported as ONNX only")),
                    out);
            default -> throw new JResnetException("unknown --format '" + format + "'; expected onnx or safetensors");
        }
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "%s: %s (%s) as %s, %,d parameters%n", out, m.name(), m.origin(), format, m.parameterCount());
        w.flush();
        return 0;
    }
}
