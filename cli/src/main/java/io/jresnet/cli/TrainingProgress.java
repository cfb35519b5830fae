package io.jresnet.cli;

import io.jresnet.cli.train.EpochMetrics;
import io.jresnet.cli.train.TrainingRun;
import io.jresnet.train.Trainer;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The training progress line on stderr, redrawn in place: epoch, step, the epoch's running loss and
 * accuracy, images per second and the time left in the run; one summary line per finished epoch.
 */
final class TrainingProgress implements TrainingRun.Listener {
    private static final int WIDTH = 20;
    private final PrintWriter err;
    private final String label;
    private int epoch, epochs, steps, batch, step;
    private double lossSum, errorSum;
    private long epochStart;

    TrainingProgress(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
    }

    @Override
    public void epochStarted(int epoch, int epochs, int steps, int batchSize) {
        this.epoch = epoch;
        this.epochs = epochs;
        this.steps = steps;
        this.batch = batchSize;
        step = 0;
        lossSum = errorSum = 0;
        epochStart = System.nanoTime();
    }

    @Override
    public void stepDone(Trainer.StepReport r) {
        step++;
        lossSum += r.loss();
        errorSum += r.error();
        double seconds = (System.nanoTime() - epochStart) / 1e9;
        double perStep = seconds / step;
        long stepsLeft = (long) (steps - step) + (long) (epochs - epoch) * steps;
        int filled = steps == 0 ? WIDTH : (int) ((long) step * WIDTH / steps);
        err.print(String.format(Locale.ROOT, "\r%sepoch %d/%d [%s%s] %d/%d loss %.4f acc %.2f%% %.1f img/s ETA %s",
                label, epoch, epochs, "#".repeat(filled), " ".repeat(WIDTH - filled), step, steps, lossSum / step,
                100 * (1 - errorSum / step), step * batch / seconds, duration(stepsLeft * perStep)));
        err.flush();
    }

    @Override
    public void epochDone(EpochMetrics m) {
        err.println();
        err.println(String.format(Locale.ROOT, "%sepoch %d/%d: train loss %.4f, train error %.2f%%, test error %.2f%%,"
                        + " lr %.4g, %.1f s", label, m.epoch(), epochs, m.trainLoss(), 100 * m.trainError(),
                100 * m.testError(), m.learningRate(), m.seconds()));
        err.flush();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
