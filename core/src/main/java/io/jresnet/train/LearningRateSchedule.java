package io.jresnet.train;

import java.util.Arrays;

/**
 * The learning rate as a function of the iteration (mini-batch step) counted from 0.
 *
 * <p>He et al. (CIFAR-10): 0.1, divided by 10 at 32k and 48k iterations, stop at 64k, batch 128:
 * {@code step(0.1, 0.1, 32_000, 48_000)}. For ResNet-110 they warm up with 0.01 "until the training
 * error is below 80% (about 400 iterations)": {@code step(...).withWarmup(400, 0.01)}.
 */
@FunctionalInterface
public interface LearningRateSchedule {
    double rate(long iteration);

    static LearningRateSchedule constant(double rate) {
        return it -> rate;
    }

    /** {@code base * gamma^k} where {@code k} is the number of milestones at or before the iteration. */
    static LearningRateSchedule step(double base, double gamma, long... milestones) {
        long[] sorted = milestones.clone();
        Arrays.sort(sorted);
        return it -> {
            double r = base;
            for (long m : sorted) if (it >= m) r *= gamma;
            return r;
        };
    }

    /**
     * Cosine annealing (Loshchilov and Hutter 2017) from {@code base} to {@code minimum} over
     * {@code totalIterations}: {@code min + (base - min) * (1 + cos(pi * it / total)) / 2}, then
     * {@code minimum}.
     */
    static LearningRateSchedule cosine(double base, long totalIterations, double minimum) {
        if (totalIterations < 1) throw new IllegalArgumentException("cosine schedule over " + totalIterations + " iterations");
        return it -> it >= totalIterations ? minimum
                : minimum + (base - minimum) * (1 + Math.cos(Math.PI * it / totalIterations)) / 2;
    }

    /** This schedule, but {@code warmupRate} for the first {@code warmupIterations} (the paper's ResNet-110 recipe). */
    default LearningRateSchedule withWarmup(long warmupIterations, double warmupRate) {
        return it -> it < warmupIterations ? warmupRate : rate(it);
    }

    /** This schedule, ramped linearly from near 0 over the first {@code warmupIterations} (Goyal et al. 2017). */
    default LearningRateSchedule withLinearWarmup(long warmupIterations) {
        return it -> it < warmupIterations ? rate(it) * (it + 1) / warmupIterations : rate(it);
    }
}
