package io.jresnet.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jresnet.JResnetException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.models.BuiltinModel;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.models.Evaluation;
import io.jresnet.models.data.TrainingData;
import io.jresnet.nn.ResNet;
import io.jresnet.train.data.Dataset;
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
import picocli.CommandLine.Spec;

/** {@code jresnet evaluate}: test accuracy and confusion matrix of a trained model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a trained model on a data set's test split: accuracy and confusion matrix.")
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE",
            description = "Weights file (.safetensors as 'jresnet train' writes, or a PyTorch .pth); default: the built-in model.")
    Path model;

    @Option(names = "--data", paramLabel = "SET",
            description = "fashion-mnist or cifar10 (default without --model: fashion-mnist, the built-in model's).")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data set directory (default: the set's usual place).")
    Path dataDir;

    @Option(names = "--subset", paramLabel = "N", defaultValue = "0", description = "Only the first N test images (default: all).")
    int subset;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Backend to run on (default: the best available; see 'jresnet backends').")
    String backend;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "Backend threads, 0 for one per core.")
    int threads;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "100", description = "Images per run (default: 100).")
    int batch;

    @Option(names = "--json", description = "Print one JSON object: accuracy (0..1), samples, classes, confusion.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (data == null && model != null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--data=SET' (with --model)");
        }
        TrainingData set = TrainingData.named(data != null ? data : BuiltinModel.DATA);
        ResNet net = model != null ? ModelFiles.load(model) : BuiltinModel.load();
        Dataset test = set.load(dataDir, false);
        if (net.spec().inChannels() != test.channels() || net.spec().numClasses() != set.classNames().size()) {
            throw new JResnetException((model != null ? model.toString() : "the built-in model") + " takes "
                    + net.spec().inChannels() + "-channel images and has " + net.spec().numClasses() + " classes; "
                    + set.id() + " has " + test.channels() + "-channel images and " + set.classNames().size() + " classes");
        }
        if (subset > 0 && subset < test.size()) test = test.subset(0, subset);
        if (batch < 1) throw new ParameterException(spec.commandLine(), "--batch must be at least 1, found " + batch);
        Evaluation e;
        try (Backend b = Backends.create(backend, BackendOptions.threads(threads))) {
            e = Evaluation.of(net, test, set.normalization(), b, batch);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(CliJson.mapper().writeValueAsString(toJson(e, set, net)));
        } else {
            print(out, e, set.classNames());
        }
        out.flush();
        return 0;
    }

    private static ObjectNode toJson(Evaluation e, TrainingData set, ResNet net) {
        ObjectNode o = CliJson.mapper().createObjectNode();
        o.put("model", net.spec().name());
        o.put("data", set.id());
        o.put("samples", e.samples());
        o.put("correct", e.correct());
        o.put("accuracy", e.accuracy());
        ArrayNode classes = o.putArray("classes");
        set.classNames().forEach(classes::add);
        ArrayNode rows = o.putArray("confusion"); // rows: true label, columns: predicted
        for (int[] row : e.confusion()) {
            ArrayNode r = rows.addArray();
            for (int v : row) r.add(v);
        }
        return o;
    }

    private static void print(PrintWriter out, Evaluation e, List<String> classes) {
        out.println(String.format(Locale.ROOT, "accuracy %.2f%% (%d of %d)", 100 * e.accuracy(), e.correct(), e.samples()));
        out.println("confusion matrix (rows: true class, columns: predicted class):");
        int width = 6;
        StringBuilder head = new StringBuilder(String.format("%-12s", ""));
        for (int j = 0; j < classes.size(); j++) head.append(String.format("%" + width + "d", j));
        out.println(head);
        for (int i = 0; i < classes.size(); i++) {
            StringBuilder line = new StringBuilder(String.format("%-12s", i + " " + abbreviate(classes.get(i))));
            for (int v : e.confusion()[i]) line.append(String.format("%" + width + "d", v));
            out.println(line);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 10 ? s : s.substring(0, 10);
    }
}
