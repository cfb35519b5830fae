package io.jresnet.cli;

import io.jresnet.cli.train.DegradationExperiment;
import io.jresnet.cli.train.TrainingConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jresnet experiment degradation}: plain nets against ResNets (option A) of the same depths,
 * the paper's 20, 32, 44 and 56 by default, with identical settings.
 */
@Command(name = "degradation", mixinStandardHelpOptions = true,
        description = {"Train plain and residual nets (option A shortcuts) of the given depths with identical settings",
            "and write degradation.png (plain left, ResNet right; training error dashed, test error bold) and",
            "degradation.md (final errors). Run it again with the same settings to continue an interrupted experiment."})
final class DegradationCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "SET", defaultValue = "fashion-mnist",
            description = "fashion-mnist or cifar10 (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data set directory (default: the set's usual place).")
    Path dataDir;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "20", description = "Epochs per net (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.1", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--subset", paramLabel = "N", defaultValue = "0",
            description = "Use only the first N training and the first N test images (default: all).")
    int subset;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "degradation", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "GEMM threads, 0 for one per core.")
    int threads;

    @Option(names = "--depths", paramLabel = "D,D,...", split = ",", defaultValue = "20,32,44,56",
            description = "Depths 6n+2 of both kinds of net (default: ${DEFAULT-VALUE}, the paper's figure).")
    int[] depths;

    @Option(names = "--schedule", paramLabel = "NAME", defaultValue = "cosine",
            description = "cosine, or step (a tenth at 50%% and 75%% of the run, as the paper) (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--warmup-epochs", paramLabel = "N", defaultValue = "0",
            description = "Epochs at a tenth of --lr before the schedule, for every net (default: ${DEFAULT-VALUE}).")
    int warmupEpochs;

    @Option(names = "--augment", paramLabel = "KIND", defaultValue = "default",
            description = "none, flip, crop, crop-flip, crop-flip-erase (random erasing too) or default: the data set's (crop-flip for CIFAR-10, none for"
                    + " Fashion-MNIST).")
    String augment;

    @Override
    public Integer call() throws IOException {
        TrainingConfig base = new TrainingConfig(data, dataDir == null ? null : dataDir.toString(), "resnet" + depths[0],
                epochs, batch, lr, schedule, 0, subset, seed, threads, augment, 0, warmupEpochs);
        PrintWriter err = spec.commandLine().getErr();
        err.println("degradation experiment on " + data + ": depths " + Arrays.toString(depths) + ", writing to " + out);
        DegradationExperiment.run(base, depths, out, net -> new TrainingProgress(err, net + " "));
        PrintWriter o = spec.commandLine().getOut();
        o.println(out.resolve(DegradationExperiment.FIGURE_FILE));
        o.println(out.resolve(DegradationExperiment.TABLE_FILE));
        o.flush();
        return 0;
    }
}
