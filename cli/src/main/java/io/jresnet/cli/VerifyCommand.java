package io.jresnet.cli;

import io.jresnet.JResnetException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.models.onnx.OnnxExporter;
import io.jresnet.plan.Planner;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jresnet verify}: runs the same ONNX file (or the ONNX export of a jresnet model) in ONNX Runtime
 * and in a jresnet backend on the same seeded input, and reports how far apart the outputs are.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compare a backend's output with ONNX Runtime's on the same model and input.")
final class VerifyCommand implements Callable<Integer> {
    static final String ORT_CLASS = "ai.onnxruntime.OrtEnvironment";

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE|NAME",
            description = "An .onnx, .safetensors or .pth file or a zoo name (all but .onnx are exported to ONNX first).")
    String model;

    @Option(names = "--arch", description = "Architecture of a weights file, when its weights match no zoo architecture by name and shape.")
    String arch;

    @Option(names = "--backend", paramLabel = "NAME", description = "Backend to check (default: the best available).")
    String backend;

    @Option(names = "--batch", defaultValue = "2", paramLabel = "N", description = "Images in the random input (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--input-size", paramLabel = "N", description = "Image side (default: the model's).")
    Integer inputSize;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the input and of a zoo model's weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tolerance", defaultValue = "1e-3", paramLabel = "X",
            description = "Largest accepted max abs difference, relative to the largest |output| (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Override
    public Integer call() throws Exception {
        if (!onnxRuntimeAvailable()) {
            throw new JResnetException("ONNX Runtime is not on the class path. Add its jar (Maven: "
                    + "com.microsoft.onnxruntime:onnxruntime), e.g. JRESNET_CLASSPATH=/path/to/onnxruntime.jar ./jresnet verify ...;"
                    + " the launcher adds it by itself when it is in the local Maven repository");
        }
        LoadedModel m = ModelSource.load(model, arch, seed);
        Path onnx;
        if (model.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            onnx = Path.of(model);
        } else {
            onnx = Files.createTempFile("jresnet-verify", ".onnx");
            onnx.toFile().deleteOnExit();
            OnnxExporter.write(m.network().orElseThrow(), onnx);
        }
        int size = inputSize != null ? inputSize : m.defaultInputSize();
        Shape in = Shape.nchw(batch, m.inChannels(), size, size);
        Tensor x = Tensor.uniform(in, -1f, 1f, seed);
        Tensor ort = OnnxRuntimeRunner.run(onnx, x);
        Tensor ours;
        String device;
        try (Backend b = Backends.create(backend, BackendOptions.defaults());
             CompiledModel compiled = b.compile(Planner.plan(m.graph(in))); Session exe = compiled.newSession()) {
            ours = exe.run(x);
            device = b.name() + " (" + b.device() + ")";
        }
        if (ort.size() != ours.size()) {
            throw new JResnetException("ONNX Runtime gave " + ort.shape() + ", jresnet " + ours.shape());
        }
        double scale = 1, maxAbs = 0, maxRel = 0;
        for (int i = 0; i < ort.size(); i++) scale = Math.max(scale, Math.abs(ort.array()[i]));
        for (int i = 0; i < ort.size(); i++) {
            double d = Math.abs(ort.array()[i] - ours.array()[i]);
            maxAbs = Math.max(maxAbs, d);
            maxRel = Math.max(maxRel, d / Math.max(1e-6, Math.abs(ort.array()[i])));
        }
        boolean ok = maxAbs <= tolerance * scale;
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s on %s vs ONNX Runtime, input %s:%n", m.name(), device, in);
        out.printf(Locale.ROOT, "  max abs error %.3g (%.3g of the largest |output| %.3g), max rel error %.3g: %s%n",
                maxAbs, maxAbs / scale, scale, maxRel, ok ? "OK" : "MISMATCH (tolerance " + tolerance + ")");
        out.flush();
        return ok ? 0 : 1;
    }

    static boolean onnxRuntimeAvailable() {
        try {
            Class.forName(ORT_CLASS, false, VerifyCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
