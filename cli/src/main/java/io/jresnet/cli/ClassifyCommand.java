package io.jresnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jresnet.JResnetException;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.models.BuiltinModel;
import io.jresnet.models.Classifier;
import io.jresnet.models.batch.BatchClassification;
import io.jresnet.models.batch.ImageFiles;
import io.jresnet.models.batch.ResultsSink;
import io.jresnet.models.image.Labels;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.tensor.Shape;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jresnet classify}: top-k labels with probabilities for image files. Without {@code --model}
 * it uses the built-in Fashion-MNIST ResNet-20; without images as well, it classifies the model's
 * shipped sample images and prints each one's true label beside the prediction (the README's main job).
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Classify images (JPEG, PNG, BMP, GIF) and print the top-k labels with their probabilities;"
                + " with --input and --output, classify a whole folder into a CSV, JSON Lines or Parquet file.",
            "With no --model: the built-in ResNet-20 trained on Fashion-MNIST; with no images either: its ten shipped"
                    + " test images, each with its true label."})
final class ClassifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME|FILE",
            description = "A weights file (.safetensors, .pth, .onnx) or a zoo name (seeded random weights); default: the"
                    + " built-in Fashion-MNIST ResNet-20.")
    String model;

    @Option(names = "--arch", description = "Architecture of a weights file, when its weights match no zoo architecture by name and shape.")
    String arch;

    @Option(names = "--labels", paramLabel = "imagenet|cifar10|fashion-mnist|FILE",
            description = "Class names, one per line (default: chosen by the number of classes).")
    String labels;

    @Option(names = "--preprocess", paramLabel = "imagenet|imagenet-v2|cifar10|fashion-mnist",
            description = "Resize, crop and normalisation preset (default: chosen by the model's input).")
    String preprocess;

    @Option(names = "--top", paramLabel = "K",
            description = "How many labels per image (default: 5 for image files, 1 for the built-in samples).")
    Integer top;

    @Option(names = "--backend", paramLabel = "NAME", description = "Backend (default: the best available).")
    String backend;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Worker threads (default: one per core).")
    int threads;

    @Parameters(arity = "0..*", paramLabel = "IMAGE", description = "Image files (default: the built-in model's samples).")
    List<Path> images = List.of();

    @Option(names = "--input", paramLabel = "DIR|LIST",
            description = "A folder (walked recursively for jpg, jpeg, png, bmp and gif files) or a list file with one image"
                    + " path per line: a batch job writing to --output.")
    Path input;

    @Option(names = "--output", paramLabel = "FILE.csv|FILE.jsonl|DIR.parquet",
            description = "Where a batch job writes one row per image (.parquet: a folder of part files, as Spark writes);"
                    + " run again to resume an interrupted job.")
    Path output;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Images per batch in a batch job"
            + " (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--embeddings", description = "In a batch job, also write each image's embedding: the pooled"
            + " features the classifier layer reads.")
    boolean embeddings;

    @Option(names = "--decode-threads", paramLabel = "N",
            description = "Threads decoding images ahead of the model in a batch job (default: one per core).")
    Integer decodeThreads;

    @Override
    public Integer call() throws IOException {
        if ((input == null) != (output == null)) {
            throw new ParameterException(spec.commandLine(), "a batch job takes both --input and --output");
        }
        if (embeddings && input == null) {
            throw new ParameterException(spec.commandLine(), "--embeddings belongs to a batch job (--input, --output)");
        }
        if (input != null && !images.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "give IMAGE files or --input, not both");
        }
        boolean samples = images.isEmpty() && input == null;
        if (samples && model != null) {
            throw new ParameterException(spec.commandLine(), "no IMAGE given: only the built-in model (no --model)"
                    + " comes with sample images");
        }
        int k = top != null ? top : samples ? 1 : 5;
        List<Path> collection = input != null ? ImageFiles.find(input) : List.of();
        if (k < 1) throw new JResnetException("--top must be at least 1, found " + k);
        LoadedModel m = model != null ? ModelSource.load(model, arch, 0)
                : new NetworkModel(BuiltinModel.load(), "built-in " + BuiltinModel.WEIGHTS);
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
            if (samples) {
                printSamples(out, classifier, names, k);
            } else if (input != null) {
                runBatchJob(out, classifier, collection, k);
            } else {
                List<List<Classifier.Prediction>> answers = classifier.classify(images, k);
                for (int i = 0; i < images.size(); i++) {
                    out.println(images.get(i) + ":");
                    for (Classifier.Prediction p : answers.get(i)) out.println("  " + p);
                }
            }
        }
        out.flush();
        return 0;
    }

    /** Classifies the collection into --output, resuming it, with a progress line on a terminal. */
    private void runBatchJob(PrintWriter out, Classifier classifier, List<Path> collection, int k) throws IOException {
        int decoders = decodeThreads != null ? decodeThreads : Runtime.getRuntime().availableProcessors();
        BatchClassification.Summary s;
        try (ResultsSink results = ResultsSink.open(output, k, embeddings)) {
            java.util.Set<String> done = results.done(); // a copy: take it once, not per image
            int toWrite = (int) collection.stream().filter(p -> !done.contains(p.toString())).count();
            ProgressLine progress = new ProgressLine(spec.commandLine().getErr(), "classifying", toWrite,
                    ProgressLine.onTerminal(), "images");
            BatchClassification job = new BatchClassification(classifier, batch, k, decoders);
            if (embeddings) job.withEmbeddings();
            s = job.run(collection, results,
                    (written, all) -> progress.set(written));
            progress.finish();
        }
        out.printf(Locale.ROOT, "%s: %d images; %d classified, %d unreadable (error rows), %d already there;"
                        + " %.1f images/s%n", output, s.total(), s.classified(), s.failed(), s.alreadyDone(),
                s.imagesPerSecond());
    }

    /** One line per shipped sample: prediction(s), probability, true label; then the count right. */
    private static void printSamples(PrintWriter out, Classifier classifier, List<String> names, int k)
            throws IOException {
        List<BuiltinModel.Sample> samples = BuiltinModel.samples();
        JsonNode about = BuiltinModel.about();
        out.printf(Locale.ROOT, "built-in model: %s trained on %s, %.2f%% accuracy on its %d test images (%s)%n",
                about.path("model").asText("resnet20"), about.path("data").asText(BuiltinModel.DATA),
                100 * about.path("test_accuracy").asDouble(), about.path("test_samples").asInt(),
                about.path("trained").asText("date unknown"));
        out.println("backend: " + classifier.backend().name() + " (" + classifier.backend().device() + ")");
        List<List<Classifier.Prediction>> answers = classifier.classifyImages(
                samples.stream().map(BuiltinModel.Sample::image).toList(), k);
        out.printf(Locale.ROOT, "%-24s %-12s %11s   %s%n", "sample (test image)", "prediction", "probability",
                "true label");
        int right = 0;
        for (int i = 0; i < samples.size(); i++) {
            BuiltinModel.Sample s = samples.get(i);
            List<Classifier.Prediction> top = answers.get(i);
            boolean correct = top.getFirst().index() == s.label();
            if (correct) right++;
            out.printf(Locale.ROOT, "%-24s %-12s %10.2f%%   %-12s %s%n", s.file(), top.getFirst().label(),
                    100 * top.getFirst().probability(), names.get(s.label()), correct ? "right" : "WRONG");
            for (Classifier.Prediction p : top.subList(1, top.size())) {
                out.printf(Locale.ROOT, "%-24s %-12s %10.2f%%%n", "", p.label(), 100 * p.probability());
            }
        }
        out.printf(Locale.ROOT, "%d of %d right%n", right, samples.size());
    }
}
