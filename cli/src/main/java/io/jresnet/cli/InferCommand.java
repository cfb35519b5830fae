package io.jresnet.cli;

import io.jresnet.ShapeException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.models.io.Npy;
import io.jresnet.plan.Graph;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jresnet infer}: runs a model on an NCHW tensor from a .npy file and writes the logits to another. */
@Command(name = "infer", mixinStandardHelpOptions = true,
        description = "Run a model on an NCHW float tensor (.npy) and write the output (.npy).")
final class InferCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME|FILE",
            description = "A zoo name (seeded random weights) or a .safetensors, .pth or .onnx file.")
    String model;

    @Option(names = "--arch", description = "Architecture of a weights file, when its weights match no zoo architecture by name and shape.")
    String arch;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of a zoo model's random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "Input tensor, shape [N, C, H, W].")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "Where to write the output tensor.")
    Path output;

    @Option(names = "--backend", paramLabel = "NAME", description = "Backend (default: the best available; see 'jresnet backends').")
    String backend;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Worker threads (default: one per core).")
    int threads;

    @Override
    public Integer call() throws IOException {
        Tensor x = Npy.read(input);
        Tensor y;
        String name;
        try (Backend b = Backends.create(backend, BackendOptions.threads(threads))) {
            Loaded loaded = loadAndCompile(b, x);
            name = loaded.name();
            try (CompiledModel compiled = loaded.compiled(); Session exe = compiled.newSession()) {
                y = exe.run(x);
            }
        }
        Npy.write(output, y);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s: %s %s -> %s%n", output, name, x.shape(), y.shape());
        out.flush();
        return 0;
    }

    /** A compiled model and the name of what it was loaded from. */
    private record Loaded(String name, CompiledModel compiled) {}

    /**
     * Loads the model and compiles it so that the loaded weights (a weights file's or a zoo network's,
     * about 100 MB for ResNet-50) are garbage, and collected, before the backend packs its copy of the
     * plan's. The explicit collections are there because in a one-shot run the parallel collector
     * only ever ran young collections: everything the load had promoted stayed in the old generation
     * while packing grew the heap. Measured as whole processes (ResNet-50, one image, 2026-12-02):
     * peak RSS from a .safetensors file 573 MB to 397 MB, from the zoo 457 MB to 382 MB, from ONNX
     * (whose weights are decoded per graph) 382 MB either way, wall time the same within noise.
     *
     * <p>Then the plan is compiled {@linkplain Plan#forOneCompile once}, so each layer's folded weights
     * are garbage as soon as they are packed, and {@link OldGenerationWatch} collects them every 16 MB
     * the old generation grows; without it they stay beside the packed copy until the process ends.
     * Measured the same way on a Zen 5 (2026-12-02, one process each, a training run busy beside
     * them): from ONNX 350-367 MB to 275-285 MB, from the zoo 340-360 MB to 297-312 MB; with 32 MB
     * steps ONNX measured 268-285 MB, the zoo 296-314 MB (there the peak is planning, when the network
     * and the plan each hold a copy).
     */
    private Loaded loadAndCompile(Backend b, Tensor x) throws IOException {
        LoadedModel m = ModelSource.load(model, arch, seed);
        // A weights file's tensors were decoded, copied into the network and dropped: collect them
        // before planning adds its folded copy (safetensors: peak RSS 419 MB to 309-321 MB).
        if (m instanceof NetworkModel && ModelSource.isFile(model)) System.gc();
        String name = m.name();
        Plan plan = Planner.plan(graphFor(m, x, input)).forOneCompile();
        m = null; // an interpreted frame keeps its locals alive to the end
        System.gc();
        try (OldGenerationWatch watch = new OldGenerationWatch(16L << 20)) {
            return new Loaded(name, b.compile(plan));
        }
    }

    /** The graph for the tensor in {@code file}, or an error naming the file, what was expected and what was found. */
    static Graph graphFor(LoadedModel m, Tensor x, Path file) {
        String expected = "[N, " + m.inChannels() + ", H, W]";
        if (x.rank() != 4 || x.shape().c() != m.inChannels()) {
            throw new ShapeException(file + ": input tensor for " + m.name() + " should have shape " + expected
                    + ", found " + x.shape());
        }
        try {
            return m.graph(x.shape());
        } catch (ShapeException e) {
            throw new ShapeException(file + ": input tensor of shape " + x.shape() + " does not fit " + m.name()
                    + ": " + e.getMessage());
        }
    }
}
