package io.jresnet.models.cli;

import io.jresnet.JResnetException;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.models.Classifier;
import io.jresnet.models.image.Labels;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.tensor.Shape;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
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
        Preprocessing pre = preprocess != null ? Preprocessing.named(preprocess)
                : Classifier.defaultPreprocessing(m.inChannels(), m.defaultInputSize());
        if (pre.channels() != m.inChannels()) {
            throw new JResnetException("preprocessing " + pre.name() + " gives " + pre.channels() + " channels, "
                    + m.name() + " takes " + m.inChannels());
        }
        List<String> names = labels != null ? Labels.load(labels)
                : Classifier.defaultLabels(m.inChannels(), m.graph(Shape.nchw(1, m.inChannels(), pre.crop(), pre.crop()))
                        .outputShape().dim(1));
        PrintWriter out = spec.commandLine().getOut();
        try (Classifier classifier = new Classifier(m::graph, pre, names,
                Backends.create(backend, BackendOptions.threads(threads)), true)) {
            List<List<Classifier.Prediction>> answers = classifier.classify(images, top);
            for (int i = 0; i < images.size(); i++) {
                out.println(images.get(i) + ":");
                for (Classifier.Prediction p : answers.get(i)) out.println("  " + p);
            }
        }
        out.flush();
        return 0;
    }
}
