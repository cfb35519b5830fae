package io.jresnet.train;

import io.jresnet.nn.Module;
import io.jresnet.tensor.Tensor;
import io.jresnet.train.data.DataLoader;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs epochs of mini-batch training: for each batch, a training-mode forward on a tape, the mean
 * softmax cross-entropy, backward, and one SGD step at the schedule's rate for that iteration;
 * then, if given a test set, an eval-mode pass for the test error.
 *
 * <p>Where a run stands is {@link #state()}: the epoch and iteration counters, the model's state
 * dict and the momentum buffers. Saving it is the caller's business (any tensor format will do);
 * {@link #restore} continues exactly where it left off, since the data order of an epoch depends
 * only on the loader's seed and the epoch number.
 */
public final class Trainer {
    /** What one epoch did. Errors are fractions in [0, 1]; the test error is NaN without a test set. */
    public record EpochReport(int epoch, double trainLoss, double trainError, double testError, double learningRate,
                              int images, double seconds) {
        /** Training throughput: images through forward, backward and update per second. */
        public double imagesPerSecond() {
            return images / seconds;
        }

        @Override
        public String toString() {
            return String.format("epoch %d: train loss %.4f, train error %.2f%%, test error %.2f%%, lr %.4g, %.1f images/s",
                    epoch, trainLoss, 100 * trainError, 100 * testError, learningRate, imagesPerSecond());
        }
    }

    /** Everything needed to resume: counters, model tensors and momentum buffers (copies). */
    public record State(int epoch, long iteration, Map<String, Tensor> model, Map<String, Tensor> momentum) {}

    private final Module model;
    /** The model's graph on the tape. */
    private final TapeModel taped;
    private final Sgd optimizer;
    private final LearningRateSchedule schedule;
    private final DataLoader train;
    private final TrainingContext context;
    private int epoch;
    private long iteration;

    /** Trains with the kernels and buffers of {@code context} (one context per trainer). */
    public Trainer(Module model, Sgd optimizer, LearningRateSchedule schedule, DataLoader train,
                   TrainingContext context) {
        this.model = model;
        this.taped = new TapeModel(model);
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.train = train;
        this.context = context;
    }

    /** The kernels and buffers this trainer runs on. */
    public TrainingContext context() {
        return context;
    }

    /** Epochs completed so far. */
    public int epoch() {
        return epoch;
    }

    /** Iterations (SGD steps) completed so far; the schedule's clock. */
    public long iteration() {
        return iteration;
    }

    /** One epoch of training, then the error on {@code test} (may be null). */
    public EpochReport runEpoch(DataLoader test) {
        return runEpoch(test, report -> { });
    }

    /**
     * As {@link #runEpoch(DataLoader)}, calling {@code afterEachStep} with the running loss of each
     * step (a place for progress output or for a warm-up rule based on the training error).
     */
    public EpochReport runEpoch(DataLoader test, Consumer<StepReport> afterEachStep) {
        long start = System.nanoTime();
        model.train(true);
        double lossSum = 0;
        long wrong = 0, seen = 0;
        double rate = schedule.rate(iteration);
        for (DataLoader.Batch batch : train.epoch(epoch)) {
            rate = schedule.rate(iteration);
            optimizer.zeroGrad();
            Tape tape = Tape.recording(context);
            Var logits = taped.forward(tape.constant(batch.images()), tape);
            Var loss = Ops.softmaxCrossEntropy(tape, logits, batch.labels());
            tape.backward(loss);
            optimizer.step(rate);
            iteration++;
            double l = loss.value().array()[0];
            int w = countWrong(logits.value(), batch.labels());
            lossSum += l * batch.size();
            wrong += w;
            seen += batch.size();
            afterEachStep.accept(new StepReport(iteration, l, (double) w / batch.size(), rate));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double testError = test == null ? Double.NaN : evaluate(test);
        epoch++;
        return new EpochReport(epoch, lossSum / Math.max(seen, 1), (double) wrong / Math.max(seen, 1), testError, rate,
                (int) seen, seconds);
    }

    /** One SGD step's outcome: the iteration count after it, the batch's loss and error, the rate used. */
    public record StepReport(long iteration, double loss, double error, double learningRate) {}

    /** The fraction of {@code data} the model misclassifies, in eval mode (running BN statistics). */
    public double evaluate(DataLoader data) {
        return errorRate(taped, data, context);
    }

    /** The fraction of {@code data} that {@code model} misclassifies in eval mode; leaves the model in eval mode. */
    public static double errorRate(Module model, DataLoader data, TrainingContext context) {
        return errorRate(new TapeModel(model), data, context);
    }

    private static double errorRate(TapeModel taped, DataLoader data, TrainingContext context) {
        Module model = taped.module();
        model.train(false);
        long wrong = 0, seen = 0;
        for (DataLoader.Batch batch : data.epoch(0)) {
            Tape tape = Tape.inference(context);
            Tensor logits = taped.forward(tape.constant(batch.images()), tape).value();
            wrong += countWrong(logits, batch.labels());
            seen += batch.size();
        }
        return seen == 0 ? Double.NaN : (double) wrong / seen;
    }

    /** Items whose highest logit (first on ties) is not the label. */
    static int countWrong(Tensor logits, int[] labels) {
        int k = logits.shape().dim(1), wrong = 0;
        float[] z = logits.array();
        for (int b = 0; b < labels.length; b++) {
            int best = 0;
            for (int i = 1; i < k; i++) if (z[logits.offset() + b * k + i] > z[logits.offset() + b * k + best]) best = i;
            if (best != labels[b]) wrong++;
        }
        return wrong;
    }

    /** A snapshot to save: copies, so training on does not change it. */
    public State state() {
        Map<String, Tensor> weights = new LinkedHashMap<>(), momentum = new LinkedHashMap<>();
        model.stateDict().forEach((n, t) -> weights.put(n, t.copy()));
        optimizer.state().forEach((n, t) -> momentum.put(n, t.copy()));
        return new State(epoch, iteration, weights, momentum);
    }

    /** Continues from a snapshot taken by {@link #state()} (of this model's architecture). */
    public void restore(State s) {
        model.loadStateDict(s.model(), true);
        optimizer.loadState(s.momentum());
        epoch = s.epoch();
        iteration = s.iteration();
    }
}
