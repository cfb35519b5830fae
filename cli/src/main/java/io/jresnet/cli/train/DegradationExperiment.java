package io.jresnet.cli.train;

import io.jresnet.JResnetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * He et al.'s degradation experiment: plain and residual CIFAR-style nets of the same depths,
 * trained with identical settings (same seed, data order and schedule). Deeper plain nets end with a
 * higher training error; deeper residual nets do not. Writes each run to {@code out/NAME/} and the
 * comparison as {@code degradation.png} (plain nets left, residual nets right as in the paper's
 * figure; training error dashed, test error bold, one colour per depth)
 * and {@code degradation.md} (final errors). Running it again with the same settings and {@code out}
 * continues an interrupted experiment.
 */
public final class DegradationExperiment {
    public static final String FIGURE_FILE = "degradation.png";
    public static final String TABLE_FILE = "degradation.md";

    private DegradationExperiment() {}

    /** One net's outcome. */
    public record Result(String net, List<EpochMetrics> history) {
        EpochMetrics last() {
            return history.getLast();
        }
    }

    /**
     * Trains plain-d for every depth, then ResNet-d for every depth (the paper's 20, 32, 44 and 56 by default),
     * each with {@code base}'s settings and its own model name.
     */
    public static List<Result> run(TrainingConfig base, int[] depths, Path out, Function<String, TrainingRun.Listener> listeners)
            throws IOException {
        List<String> nets = new ArrayList<>();
        for (int d : depths) nets.add("plain" + d);
        for (int d : depths) nets.add("resnet" + d);
        Files.createDirectories(out);
        List<Result> results = new ArrayList<>();
        for (String net : nets) {
            TrainingConfig config = base.withModel(net);
            Path dir = out.resolve(net);
            // An interrupted experiment continues where it stopped: finished nets are reused, a
            // half-trained one resumes from its last epoch. Only a run with the same settings counts.
            boolean resumed = Checkpoint.existsIn(dir);
            try (TrainingRun run = resumed ? TrainingRun.resume(dir, base.threads()) : TrainingRun.start(config, dir)) {
                if (resumed && !run.config().withThreads(base.threads()).equals(config)) {
                    throw new JResnetException(dir + " holds a run with other settings (" + run.config()
                            + "); choose another --out");
                }
                results.add(new Result(net, run.run(listeners.apply(net))));
            }
        }
        Map<String, List<EpochMetrics>> plain = new LinkedHashMap<>(), residual = new LinkedHashMap<>();
        for (Result r : results) (r.net().startsWith("plain") ? plain : residual).put(r.net(), r.history());
        Charts.sideBySide(base.data() + ": plain vs residual nets (dashed: training error, bold: test error)",
                "plain", plain, "ResNet", residual, out.resolve(FIGURE_FILE));
        Files.writeString(out.resolve(TABLE_FILE), table(base, results));
        return results;
    }

    static String table(TrainingConfig base, List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "# Degradation: plain vs residual on %s%n%n", base.data()));
        sb.append(String.format(Locale.ROOT, "%d epochs, batch %d, lr %s (%s%s), augmentation %s, seed %d%s.%n%n",
                base.epochs(), base.batch(), base.learningRate(), base.schedule(),
                base.warmupEpochs() > 0 ? ", after " + base.warmupEpochs() + " warm-up epoch(s) at a tenth" : "",
                base.augment(), base.seed(),
                base.subset() > 0 ? ", first " + base.subset() + " training and test images" : ""));
        sb.append("| net | final train error (%) | final test error (%) | final train loss |\n");
        sb.append("| --- | ---: | ---: | ---: |\n");
        for (Result r : results) {
            EpochMetrics m = r.last();
            sb.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.4f |%n", r.net(), 100 * m.trainError(),
                    100 * m.testError(), m.trainLoss()));
        }
        return sb.toString();
    }
}
