package io.jresnet.cli.train;

import io.jresnet.models.data.TrainingData;
import io.jresnet.JResnetException;
import io.jresnet.models.Zoo;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.train.Sgd;
import io.jresnet.train.Trainer;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.train.TrainingContext;
import io.jresnet.train.data.DataLoader;
import io.jresnet.train.data.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One training run with its output directory: after every epoch it writes {@code metrics.csv},
 * {@code curves.png}, the weights ({@code model.safetensors}, loadable by every {@code --model FILE})
 * and a {@link Checkpoint}, so {@link #resume} continues after an interruption without losing
 * finished epochs and trains exactly as an uninterrupted run would.
 */
public final class TrainingRun implements AutoCloseable {
    public static final String METRICS_FILE = "metrics.csv";
    public static final String CURVES_FILE = "curves.png";
    public static final String MODEL_FILE = "model.safetensors";
    private static final Pattern CIFAR_NAME = Pattern.compile("(resnet|plain)(\\d+)");

    /** Progress callbacks; all optional. */
    public interface Listener {
        default void epochStarted(int epoch, int epochs, int steps, int batchSize) {}

        default void stepDone(Trainer.StepReport step) {}

        default void epochDone(EpochMetrics metrics) {}
    }

    private final TrainingConfig config;
    private final Path out;
    private final ResNet model;
    /** Where training runs: the best available backend, with the run's thread count; closed with the run. */
    private final Backend backend;
    private final Trainer trainer;
    private final DataLoader train;
    private final DataLoader test;
    private final List<EpochMetrics> history;

    private TrainingRun(TrainingConfig config, Path out, ResNet model, List<EpochMetrics> history) {
        TrainingData data = TrainingData.named(config.data());
        Path dir = config.dataDir() == null ? null : Path.of(config.dataDir());
        Dataset trainSet = limit(data.load(dir, true), config.subset());
        Dataset testSet = limit(data.load(dir, false), config.subset());
        if (trainSet.size() < config.batch()) {
            throw new JResnetException("the training set has " + trainSet.size() + " images, fewer than one batch of "
                    + config.batch() + "; lower --batch or raise --subset");
        }
        if (model.spec().inChannels() != data.channels()) {
            throw new JResnetException("model " + model.spec().name() + " takes " + model.spec().inChannels()
                    + " input channels, " + config.data() + " images have " + data.channels());
        }
        this.train = DataLoader.training(trainSet, config.batch(), config.augmentation(), data.normalization(), config.seed());
        this.config = config;
        this.out = out;
        this.model = model;
        this.backend = Backends.create(null, BackendOptions.threads(config.threads()));
        this.trainer = new Trainer(model, Sgd.paper(model), config.learningRateSchedule(train.batchesPerEpoch()), train,
                TrainingContext.on(backend));
        this.test = DataLoader.evaluation(testSet, Math.max(config.batch(), 100), data.normalization());
        this.history = history;
    }

    /** A new run in {@code out} (created if needed); refuses a directory that holds a checkpoint. */
    public static TrainingRun start(TrainingConfig config, Path out) throws IOException {
        if (Checkpoint.existsIn(out)) {
            throw new JResnetException(out + " already holds a training run; continue it with --resume " + out
                    + " or choose another --out");
        }
        ResNet model = buildModel(config.model(), TrainingData.named(config.data()), config.seed());
        TrainingRun run = new TrainingRun(config, out, model, new ArrayList<>()); // loads the data: fails before any file is made
        Files.createDirectories(out);
        return run;
    }

    /**
     * The run saved in {@code out}, continued from its last finished epoch with its saved settings
     * ({@code threads} > 0 replaces the thread count, which does not change the result).
     */
    public static TrainingRun resume(Path out, int threads) throws IOException {
        Checkpoint.Saved saved = Checkpoint.load(out);
        TrainingConfig config = threads > 0 ? saved.config().withThreads(threads) : saved.config();
        ResNet model = ModelFiles.load(out.resolve(MODEL_FILE)); // the architecture; the weights come from the checkpoint
        List<EpochMetrics> history = new ArrayList<>();
        Path metrics = out.resolve(METRICS_FILE);
        if (Files.isRegularFile(metrics)) {
            for (EpochMetrics m : EpochMetrics.read(metrics)) if (m.epoch() <= saved.state().epoch()) history.add(m);
        }
        TrainingRun run = new TrainingRun(config, out, model, history);
        run.trainer.restore(saved.state());
        return run;
    }

    /**
     * A zoo name (with 1 input channel for Fashion-MNIST and 10 classes), any CIFAR-style
     * {@code resnetN}/{@code plainN} with N = 6n+2, or an existing weights file to start from.
     */
    static ResNet buildModel(String model, TrainingData data, long seed) throws IOException {
        Path file = Path.of(model);
        if (Files.isRegularFile(file)) return ModelFiles.load(file);
        String name = model.toLowerCase(Locale.ROOT);
        ResNetSpec spec;
        Matcher m = CIFAR_NAME.matcher(name);
        if (ResNetSpec.zoo().containsKey(name)) {
            spec = ResNetSpec.named(name);
        } else if (m.matches()) {
            ResNetSpec resnet = ResNetSpec.cifar(Integer.parseInt(m.group(2)));
            spec = m.group(1).equals("plain") ? resnet.plain() : resnet;
        } else {
            throw new JResnetException("unknown model '" + model + "': not a file, not in the zoo " + ResNetSpec.zoo().keySet()
                    + ", not resnetN or plainN with N = 6n+2");
        }
        return Zoo.build(spec.withInChannels(data.channels()).withClasses(data.classNames().size()), seed);
    }

    private static Dataset limit(Dataset d, int subset) {
        return subset > 0 && subset < d.size() ? d.subset(0, subset) : d;
    }

    /** Trains the epochs still to do, writing the outputs after each; returns every epoch's metrics. */
    public List<EpochMetrics> run(Listener listener) throws IOException {
        while (trainer.epoch() < config.epochs()) {
            listener.epochStarted(trainer.epoch() + 1, config.epochs(), train.batchesPerEpoch(), config.batch());
            Trainer.EpochReport r = trainer.runEpoch(test, listener::stepDone);
            EpochMetrics m = new EpochMetrics(r.epoch(), r.trainLoss(), r.trainError(), r.testError(), r.seconds(),
                    r.learningRate());
            history.add(m);
            ModelFiles.save(model, out.resolve(MODEL_FILE));
            Checkpoint.save(out, config, trainer.state());
            EpochMetrics.write(out.resolve(METRICS_FILE), history);
            Charts.curves(model.spec().name() + " on " + config.data(), history, out.resolve(CURVES_FILE));
            listener.epochDone(m);
        }
        return List.copyOf(history);
    }

    public TrainingConfig config() {
        return config;
    }

    public ResNet model() {
        return model;
    }

    public Path out() {
        return out;
    }

    /** Epochs finished so far (including those of an earlier, interrupted run). */
    public int epochsDone() {
        return trainer.epoch();
    }

    /** Metrics of the finished epochs. */
    public List<EpochMetrics> history() {
        return List.copyOf(history);
    }

    /** A description of the kernels training runs on. */
    public String kernels() {
        return trainer.context().kernels().description();
    }

    /** Stops the backend's threads. */
    @Override
    public void close() {
        backend.close();
    }
}
