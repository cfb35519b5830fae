package io.jresnet.train;

import static org.junit.jupiter.api.Assertions.fail;

import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Compares backpropagated gradients with central finite differences of the scalar
 * {@code L = sum(out * r)} for a fixed random projection {@code r}, summed in double.
 *
 * <p>The model runs in float32, so no single step is right everywhere: a large one suffers
 * truncation error and, through a whole net, crossings of ReLU kinks; a small one suffers rounding of
 * {@code L} (about 1e-7 relative) divided by the step. The check therefore tries each of its steps
 * in turn, and an element passes if the numeric gradient at its best step satisfies
 * {@code |analytic - numeric| <= max(atol * scale, floor) + rtol * |numeric|}, where {@code scale} is
 * the largest analytic gradient magnitude of the element's tensor and {@code floor} the absolute
 * noise level of the differences, below which a gradient is indistinguishable from zero. A wrong gradient misses at
 * every step. The step actually taken is measured after float rounding.
 */
final class GradientCheck {
    /** What to check: tensors whose elements are perturbed, with their analytic gradients after backward. */
    record Target(String name, Tensor value, Supplier<Tensor> gradient) {}

    private final double[] steps;
    private final double atol;
    private final double rtol;
    private final double floor;
    private final int samplesPerTensor;

    GradientCheck(double[] steps, double atol, double rtol, double floor, int samplesPerTensor) {
        this.steps = steps.clone();
        this.atol = atol;
        this.rtol = rtol;
        this.floor = floor;
        this.samplesPerTensor = samplesPerTensor;
    }

    /** One step, for ops small enough that it suits every element. */
    GradientCheck(double step, double atol, double rtol, int samplesPerTensor) {
        this(new double[] {step}, atol, rtol, 1e-7, samplesPerTensor);
    }

    /**
     * @param forward runs the computation on the given tape (the targets are read from their tensors)
     * @param targets the tensors to differentiate with respect to; their gradients must be zero before
     * @return the worst ratio of error to allowed error (below 1 means pass), for reporting
     */
    double check(Function<Tape, Var> forward, List<Target> targets, long seed) {
        Tape tape = Tape.recording();
        Var out = forward.apply(tape);
        Tensor r = Tensor.uniform(out.shape(), -1f, 1f, seed);
        tape.backward(out, r);
        Map<String, Tensor> analytic = new LinkedHashMap<>();
        for (Target t : targets) analytic.put(t.name, t.gradient.get().copy());

        SplittableRandom rng = new SplittableRandom(seed + 1);
        double worst = 0;
        List<String> failures = new ArrayList<>();
        for (Target t : targets) {
            float[] v = t.value.array();
            Tensor a = analytic.get(t.name);
            double absolute = Math.max(atol * Tolerance.maxAbs(a), floor);
            for (int pick : pick(a, t.value.size(), rng)) {
                int i = t.value.offset() + pick;
                double an = a.array()[a.offset() + pick];
                double best = Double.POSITIVE_INFINITY, bestNumeric = Double.NaN;
                for (double step : steps) {
                    float orig = v[i];
                    float up = (float) (orig + step), down = (float) (orig - step);
                    v[i] = up;
                    double lUp = project(forward, r);
                    v[i] = down;
                    double lDown = project(forward, r);
                    v[i] = orig;
                    double numeric = (lUp - lDown) / ((double) up - down);
                    double ratio = Math.abs(an - numeric) / (absolute + rtol * Math.abs(numeric));
                    if (ratio < best) {
                        best = ratio;
                        bestNumeric = numeric;
                    }
                }
                if (!(best <= 1)) {
                    failures.add(String.format("%s[%d]: analytic %.6g, numeric %.6g", t.name, pick, an, bestNumeric));
                }
                if (!Double.isNaN(best)) worst = Math.max(worst, best);
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " gradient elements disagree with finite differences (steps " + java.util.Arrays.toString(steps) + ", atol "
                    + atol + " x scale, at least " + floor + ", rtol " + rtol + "): " + failures.subList(0, Math.min(8, failures.size())));
        }
        return worst;
    }

    /**
     * The derivative along the analytic gradient of one whole tensor: with {@code d = w+ - w-} the two
     * perturbed copies of the tensor {@code w +- h g / |g|} (after float rounding), the difference
     * {@code L(w+) - L(w-)} must equal {@code g . d} to first order. Along the gradient the change of
     * {@code L} is as large as any perturbation of that size can make it, so this sees an error in the
     * gradient's length (a gradient scaled by 5%) where single elements drown in float32 noise.
     *
     * <p>{@code noise}, the rounding of {@code L}, is the constructor's floor times {@code sum |out * r|}.
     * A step is judged only where the predicted change is at least {@link #SIGNAL} noises (below that a
     * 5% error is not visible): the tensor passes if at some judged step {@code |(L(w+) - L(w-)) - g . d|
     * <= rtol |g . d|}. Where no step can be judged (a gradient indistinguishable from zero), it passes if
     * {@code L} moved by at most {@link #SIGNAL} noises. Returns the smallest ratio of error to allowed
     * error; above 1 fails.
     */
    double alongGradient(Function<Tape, Var> forward, Target target, long seed) {
        Tape tape = Tape.recording();
        Var out = forward.apply(tape);
        Tensor r = Tensor.uniform(out.shape(), -1f, 1f, seed);
        double magnitude = 0;
        for (int i = 0; i < out.value().size(); i++) {
            magnitude += Math.abs((double) out.value().array()[out.value().offset() + i] * r.array()[i]);
        }
        double noise = floor * magnitude;
        tape.backward(out, r);
        float[] g = target.gradient.get().toArray();
        double norm = 0;
        for (float x : g) norm += (double) x * x;
        norm = Math.sqrt(norm);
        float[] v = target.value.array();
        int off = target.value.offset();
        float[] orig = target.value.toArray(), up = new float[g.length], down = new float[g.length];
        double judged = Double.POSITIVE_INFINITY, unjudged = Double.POSITIVE_INFINITY;
        for (double step : steps) {
            double expected = 0;
            for (int i = 0; i < g.length; i++) { // a zero gradient moves nothing: then L must not move either
                double u = norm == 0 ? 0 : g[i] / norm;
                up[i] = (float) (orig[i] + step * u);
                down[i] = (float) (orig[i] - step * u);
                expected += (double) g[i] * ((double) up[i] - down[i]);
            }
            System.arraycopy(up, 0, v, off, g.length);
            double lUp = project(forward, r);
            System.arraycopy(down, 0, v, off, g.length);
            double lDown = project(forward, r);
            System.arraycopy(orig, 0, v, off, g.length);
            double error = Math.abs(lUp - lDown - expected);
            if (Math.abs(expected) >= SIGNAL * noise) judged = Math.min(judged, error / (rtol * Math.abs(expected)));
            else unjudged = Math.min(unjudged, error / (SIGNAL * noise));
        }
        return judged < Double.POSITIVE_INFINITY ? judged : unjudged;
    }

    /** Noise levels a predicted change must reach before its 5% can be told from rounding. */
    static final double SIGNAL = 100;

    /**
     * The elements to check: all of a small tensor; else the {@link #LARGEST} with the largest analytic
     * gradient and {@code samplesPerTensor} random ones. The largest are where a gradient that is off
     * by a few percent as a whole shows: there the error exceeds the absolute tolerance, which is a
     * fraction of the largest magnitude, while small random elements may hide it under that tolerance.
     */
    private int[] pick(Tensor analytic, int n, SplittableRandom rng) {
        if (n <= samplesPerTensor + LARGEST) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            return all;
        }
        int[] some = new int[samplesPerTensor + LARGEST];
        float[] g = analytic.array();
        int off = analytic.offset();
        for (int k = 0; k < LARGEST; k++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                boolean taken = false;
                for (int j = 0; j < k; j++) taken |= some[j] == i;
                if (!taken && (best < 0 || Math.abs(g[off + i]) > Math.abs(g[off + best]))) best = i;
            }
            some[k] = best;
        }
        for (int i = LARGEST; i < some.length; i++) some[i] = rng.nextInt(n);
        return some;
    }

    /** Elements of largest analytic magnitude checked in every tensor. */
    static final int LARGEST = 2;

    private static double project(Function<Tape, Var> forward, Tensor r) {
        Tensor out = forward.apply(Tape.inference()).value();
        double s = 0;
        for (int i = 0; i < out.size(); i++) s += (double) out.array()[out.offset() + i] * r.array()[i];
        return s;
    }

    /** Target for a parameter-like tensor with a gradient supplier. */
    static Target target(String name, Tensor value, Supplier<Tensor> gradient) {
        return new Target(name, value, gradient);
    }
}
