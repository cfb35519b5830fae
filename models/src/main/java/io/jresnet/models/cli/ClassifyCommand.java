package io.jresnet.models.cli;

import io.jresnet.JResnetException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.Executable;
import io.jresnet.models.image.Labels;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceKernels;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jresnet classify}: top-k labels with probabilities for image files. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Classify images (JPEG, PNG, BMP) and print the top-k labels with their probabilities.")
final class ClassifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME|FILE",
            description = "A weights file (.safetensors, .onnx) or a zoo name (seeded random weights).")
    String model;

    @Option(names = "--arch", description = "Architecture of a weights file whose metadata does not name one.")
    String arch;

    @Option(names = "--labels", paramLabel = "imagenet|cifar10|fashion-mnist|FILE",
            description = "Class names, one per line (default: chosen by the number of classes).")
    String labels;

    @Option(names = "--preprocess", paramLabel = "imagenet|imagenet-v2|cifar10|fashion-mnist",
            description = "Resize, crop and normalisation preset (default: chosen by the model's input).")
    String preprocess;

    @Option(names = "--top", defaultValue = "5", paramLabel = "K", description = "How many labels per image (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--backend", paramLabel = "NAME", description = "Backend (default: the best available).")
    String backend;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Worker threads (default: one per core).")
    int threads;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files.")
    List<Path> images;

    @Override
    public Integer call() throws IOException {
        if (top < 1) throw new JResnetException("--top must be at least 1, found " + top);
        LoadedModel m = ModelSource.load(model, arch, 0);
        Preprocessing pre = preprocess != null ? Preprocessing.named(preprocess) : defaultPreprocessing(m);
        if (pre.channels() != m.inChannels()) {
            throw new JResnetException("preprocessing " + pre.name() + " gives " + pre.channels() + " channels, "
                    + m.name() + " takes " + m.inChannels());
        }
        Tensor batch = pre.loadBatch(images);
        Tensor logits;
        try (Backend b = Backends.create(backend, BackendOptions.threads(threads));
             Executable exe = b.compile(Planner.plan(m.graph(batch.shape())))) {
            logits = exe.run(batch);
        }
        int n = batch.shape().n();
        int classes = logits.size() / n;
        List<String> names = labels != null ? Labels.load(labels) : defaultLabels(m, classes);
        if (names.size() < classes) {
            throw new JResnetException("label list has " + names.size() + " names, the model has " + classes + " classes");
        }
        float[] probs = new float[logits.size()];
        ReferenceKernels.softmax(logits.array(), logits.offset(), n, classes, probs, 0);
        PrintWriter out = spec.commandLine().getOut();
        for (int i = 0; i < n; i++) {
            int base = i * classes;
            out.println(images.get(i) + ":");
            List<Integer> order = IntStream.range(0, classes).boxed()
                    .sorted(Comparator.comparingDouble((Integer c) -> -probs[base + c])).limit(top).toList();
            for (int c : order) out.printf(Locale.ROOT, "  %6.2f%%  %s (%d)%n", 100 * probs[base + c], names.get(c), c);
        }
        out.flush();
        return 0;
    }

    static Preprocessing defaultPreprocessing(LoadedModel m) {
        if (m.inChannels() == 1) return Preprocessing.FASHION_MNIST;
        return m.defaultInputSize() >= 224 ? Preprocessing.IMAGENET_V1 : Preprocessing.CIFAR10;
    }

    static List<String> defaultLabels(LoadedModel m, int classes) {
        if (classes == 1000) return Labels.load("imagenet");
        if (classes == 10) return Labels.load(m.inChannels() == 1 ? "fashion-mnist" : "cifar10");
        List<String> numbered = new ArrayList<>();
        for (int c = 0; c < classes; c++) numbered.add("class " + c);
        return numbered;
    }
}
