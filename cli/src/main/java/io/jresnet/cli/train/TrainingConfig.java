package io.jresnet.cli.train;

import io.jresnet.models.data.TrainingData;
import io.jresnet.JResnetException;
import io.jresnet.train.LearningRateSchedule;
import io.jresnet.train.data.Augmentation;
import java.util.List;

/**
 * The settings of one training run, saved with its checkpoints so that a resumed run trains with
 * exactly the settings it started with.
 *
 * @param data {@code fashion-mnist} or {@code cifar10}
 * @param dataDir the data set's directory, or null for its default
 * @param model a zoo name ({@code resnet20}, {@code plain56}, any CIFAR depth 6n+2 as {@code resnetN}
 *     or {@code plainN}) or a weights file to start from
 * @param subset train on the first {@code subset} training images and test on the first
 *     {@code subset} test images; 0 for all
 * @param seed weight initialisation and data order (shuffling, augmentation)
 * @param threads GEMM worker threads, 0 for one per core; not part of the result
 * @param augment {@code none}, {@code flip}, {@code crop}, {@code crop-flip}, {@code crop-flip-erase} (and
 *     random erasing with probability 1/2, {@link Augmentation}), or null/{@code default}
 *     for the data set's default (crop-flip for CIFAR-10 as in the paper, none for Fashion-MNIST)
 * @param cropPadding pixels of padding before a random crop; 0 for the data set's default (4 for
 *     CIFAR-10's 32x32 images as in the paper, 2 for Fashion-MNIST's 28x28)
 * @param warmupEpochs whole epochs at a tenth of the rate before the schedule, added to
 *     {@code warmupIterations} (the paper's ResNet-110 recipe, for the deep nets of the degradation
 *     experiment); absent from checkpoints written before it existed, where it reads as 0
 */
public record TrainingConfig(String data, String dataDir, String model, int epochs, int batch, double learningRate,
                             String schedule, int warmupIterations, int subset, long seed, int threads,
                             String augment, int cropPadding, int warmupEpochs) {
    /** Random erasing's probability in {@code crop-flip-erase}: the paper's p = 0.5. */
    public static final double ERASING_PROBABILITY = 0.5;
    public static final List<String> AUGMENTATIONS = List.of("none", "flip", "crop", "crop-flip", "crop-flip-erase");

    /** The settings with the data set's default augmentation. */
    public TrainingConfig(String data, String dataDir, String model, int epochs, int batch, double learningRate,
                          String schedule, int warmupIterations, int subset, long seed, int threads) {
        this(data, dataDir, model, epochs, batch, learningRate, schedule, warmupIterations, subset, seed, threads,
                null, 0, 0);
    }

    /** The settings without a warm-up counted in epochs. */
    public TrainingConfig(String data, String dataDir, String model, int epochs, int batch, double learningRate,
                          String schedule, int warmupIterations, int subset, long seed, int threads, String augment,
                          int cropPadding) {
        this(data, dataDir, model, epochs, batch, learningRate, schedule, warmupIterations, subset, seed, threads,
                augment, cropPadding, 0);
    }

    public TrainingConfig {
        if (cropPadding < 0) throw new JResnetException("--crop-padding must be >= 0, found " + cropPadding);
        TrainingData set = TrainingData.named(data);
        if (augment == null || augment.equals("default")) augment = set == TrainingData.CIFAR10 ? "crop-flip" : "none";
        if (!AUGMENTATIONS.contains(augment)) {
            throw new JResnetException("--augment must be one of default, " + String.join(", ", AUGMENTATIONS)
                    + "; found '" + augment + "'");
        }
        if (cropPadding == 0) cropPadding = set == TrainingData.CIFAR10 ? 4 : 2;
        if (epochs < 1) throw new JResnetException("--epochs must be at least 1, found " + epochs);
        if (batch < 2) throw new JResnetException("--batch must be at least 2 (batch norm needs two images), found " + batch);
        if (!(learningRate > 0)) throw new JResnetException("--lr must be positive, found " + learningRate);
        if (!schedule.equals("cosine") && !schedule.equals("step")) {
            throw new JResnetException("--schedule must be cosine or step, found '" + schedule + "'");
        }
        if (warmupIterations < 0) throw new JResnetException("--warmup-iterations must be >= 0, found " + warmupIterations);
        if (warmupEpochs < 0 || warmupEpochs >= epochs) {
            throw new JResnetException("--warmup-epochs must be at least 0 and fewer than --epochs (" + epochs + "), found "
                    + warmupEpochs);
        }
        if (subset < 0) throw new JResnetException("--subset must be >= 0, found " + subset);
        if (threads < 0) throw new JResnetException("--threads must be >= 0, found " + threads);
    }

    public TrainingConfig withThreads(int t) {
        return new TrainingConfig(data, dataDir, model, epochs, batch, learningRate, schedule, warmupIterations, subset,
                seed, t, augment, cropPadding, warmupEpochs);
    }

    public TrainingConfig withModel(String m) {
        return new TrainingConfig(data, dataDir, m, epochs, batch, learningRate, schedule, warmupIterations, subset, seed,
                threads, augment, cropPadding, warmupEpochs);
    }

    /** The training-time augmentation these settings name. */
    public Augmentation augmentation() {
        boolean crop = augment.startsWith("crop");
        return new Augmentation(crop ? cropPadding : 0, augment.contains("flip"),
                augment.endsWith("erase") ? ERASING_PROBABILITY : 0);
    }

    /**
     * The rate per iteration: cosine from {@code learningRate} to 0 over the run, or the paper's steps
     * (divided by 10 at 50% and 75% of the iterations); a warm-up ({@code warmupIterations} plus
     * {@code warmupEpochs} epochs) runs at a tenth of the rate first, in place of the schedule's start.
     */
    public LearningRateSchedule learningRateSchedule(int iterationsPerEpoch) {
        long total = Math.max(1, (long) epochs * iterationsPerEpoch);
        LearningRateSchedule s = schedule.equals("cosine") ? LearningRateSchedule.cosine(learningRate, total, 0)
                : LearningRateSchedule.step(learningRate, 0.1, total / 2, total * 3 / 4);
        long warmup = warmupIterations + (long) warmupEpochs * iterationsPerEpoch;
        return warmup > 0 ? s.withWarmup(warmup, learningRate / 10) : s;
    }
}
