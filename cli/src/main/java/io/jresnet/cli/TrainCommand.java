package io.jresnet.cli;

import io.jresnet.cli.train.TrainingConfig;
import io.jresnet.cli.train.TrainingRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jresnet train}: trains a model on Fashion-MNIST or CIFAR-10, or resumes an interrupted run. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a network with SGD (momentum 0.9, weight decay 1e-4) and write to --out:",
            "metrics.csv, curves.png, model.safetensors and a checkpoint after every epoch."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "SET", description = "fashion-mnist or cifar10.")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data set directory (default: /usr/share/datasets/fashion-mnist, ./cifar-10-batches-bin).")
    Path dataDir;

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "resnet20",
            description = "resnet20, plain20, resnet56, ... (any resnetN/plainN, N = 6n+2), or a .safetensors file to"
                    + " start from (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "10", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.1", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--schedule", paramLabel = "NAME", defaultValue = "cosine",
            description = "cosine (to 0 over the run) or step (/10 at 50%% and 75%%) (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--warmup-iterations", paramLabel = "N", defaultValue = "0",
            description = "Iterations at a tenth of the rate first, as the paper does for ResNet-110 (default: ${DEFAULT-VALUE}).")
    int warmupIterations;

    @Option(names = "--warmup-epochs", paramLabel = "N", defaultValue = "0",
            description = "Whole epochs at a tenth of the rate first, after any --warmup-iterations (default: ${DEFAULT-VALUE}).")
    int warmupEpochs;

    @Option(names = "--subset", paramLabel = "N", defaultValue = "0",
            description = "Use only the first N training and the first N test images (default: all).")
    int subset;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the initial weights and the data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--augment", paramLabel = "KIND", defaultValue = "default",
            description = "none, flip, crop, crop-flip, crop-flip-erase (random erasing too) or default: crop-flip for cifar10 (the paper's), none for"
                    + " fashion-mnist (default: ${DEFAULT-VALUE}).")
    String augment;

    @Option(names = "--crop-padding", paramLabel = "N", defaultValue = "0",
            description = "Padding before the random crop, 0 for the data set's default: 4 for cifar10, 2 for"
                    + " fashion-mnist (default: ${DEFAULT-VALUE}).")
    int cropPadding;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: train-MODEL-DATA).")
    Path out;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "GEMM threads, 0 for one per core (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the run saved in DIR with its saved settings (only --threads may be given too).")
    Path resume;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        TrainingRun run;
        if (resume != null) {
            for (String o : List.of("--data", "--data-dir", "--model", "--epochs", "--batch", "--lr", "--schedule",
                    "--warmup-iterations", "--warmup-epochs", "--subset", "--seed", "--out", "--augment", "--crop-padding")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                    throw new ParameterException(spec.commandLine(), o + " cannot be combined with --resume: a resumed"
                            + " run keeps its saved settings");
                }
            }
            run = TrainingRun.resume(resume, threads);
            err.println("resuming " + resume + " after epoch " + run.epochsDone() + " of " + run.config().epochs());
        } else {
            if (data == null) throw new ParameterException(spec.commandLine(), "Missing required option: '--data=SET'");
            TrainingConfig config = new TrainingConfig(data, dataDir == null ? null : dataDir.toString(), model, epochs,
                    batch, lr, schedule, warmupIterations, subset, seed, threads, augment, cropPadding, warmupEpochs);
            Path dir = out != null ? out : Path.of("train-" + Path.of(model).getFileName().toString()
                    .replace(".safetensors", "") + "-" + data);
            run = TrainingRun.start(config, dir);
        }
        try (run) {
            err.println("training " + run.model().spec().name() + " on " + run.config().data() + " on "
                    + run.kernels() + "; writing to " + run.out());
            err.flush();
            run.run(new TrainingProgress(err, ""));
        }
        PrintWriter o = spec.commandLine().getOut();
        o.println(run.out().resolve(TrainingRun.MODEL_FILE));
        o.flush();
        return 0;
    }
}
