package io.jresnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jresnet.nn.BatchNorm2d;
import io.jresnet.nn.Conv2d;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.Linear;
import io.jresnet.nn.Module;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** Every op's backward against central finite differences, and its forward against the eager module. */
class OpsGradTest {
    private static final GradientCheck SMOOTH = new GradientCheck(1e-2, 2e-3, 1e-2, 24);
    /** Piecewise-linear ops: exact differences away from kinks, so a small step. */
    private static final GradientCheck PIECEWISE = new GradientCheck(1e-3, 2e-3, 1e-2, 24);

    /** Checks {@code op(x)} with respect to {@code x} and the given module's trainable parameters. */
    private static double checkModule(GradientCheck check, Module m, Tensor x, long seed) {
        Var[] in = new Var[1];
        Function<Tape, Var> f = tape -> new TapeModel(m).forward(in[0] = tape.variable(x), tape);
        List<GradientCheck.Target> targets = new ArrayList<>();
        targets.add(GradientCheck.target("x", x, () -> in[0].grad()));
        m.namedParameters().forEach((name, p) -> {
            if (p.trainable()) targets.add(GradientCheck.target(name, p.value(), p::grad));
        });
        return check.check(f, targets, seed);
    }

    private static Conv2d conv(int in, int out, int k, int stride, int pad, boolean bias, long seed) {
        Conv2d c = new Conv2d(in, out, k, stride, pad, bias);
        c.weight().value().copyFrom(Tensor.normal(c.weight().value().shape(), 0.5f, seed));
        if (bias) c.bias().value().copyFrom(Tensor.uniform(c.bias().value().shape(), -1f, 1f, seed + 1));
        return c;
    }

    @Test
    void conv3x3Stride1WithBias() {
        checkModule(SMOOTH, conv(3, 4, 3, 1, 1, true, 1), Tensor.uniform(Shape.nchw(2, 3, 5, 6), -1, 1, 2), 3);
    }

    @Test
    void conv3x3Stride2OddSize() {
        checkModule(SMOOTH, conv(2, 3, 3, 2, 1, false, 4), Tensor.uniform(Shape.nchw(2, 2, 7, 6), -1, 1, 5), 6);
    }

    @Test
    void conv1x1Stride2Projection() {
        checkModule(SMOOTH, conv(3, 5, 1, 2, 0, false, 7), Tensor.uniform(Shape.nchw(2, 3, 5, 4), -1, 1, 8), 9);
    }

    @Test
    void conv1x1Stride1AndConv5x5Pad1() {
        checkModule(SMOOTH, conv(4, 2, 1, 1, 0, true, 10), Tensor.uniform(Shape.nchw(1, 4, 3, 3), -1, 1, 11), 12);
        checkModule(SMOOTH, conv(2, 2, 5, 1, 1, false, 13), Tensor.uniform(Shape.nchw(2, 2, 6, 5), -1, 1, 14), 15);
    }

    @Test
    void conv7x7Stride2Pad3Stem() {
        checkModule(SMOOTH, conv(1, 2, 7, 2, 3, false, 16), Tensor.uniform(Shape.nchw(2, 1, 9, 8), -1, 1, 17), 18);
    }

    private static Conv2d groupedConv(int in, int out, int k, int stride, int pad, int groups, boolean bias, long seed) {
        Conv2d c = new Conv2d(in, out, k, stride, pad, groups, bias);
        c.weight().value().copyFrom(Tensor.normal(c.weight().value().shape(), 0.5f, seed));
        if (bias) c.bias().value().copyFrom(Tensor.uniform(c.bias().value().shape(), -1f, 1f, seed + 1));
        return c;
    }

    @Test
    void groupedConv3x3WithBiasAndStride2() {
        checkModule(SMOOTH, groupedConv(4, 6, 3, 1, 1, 2, true, 40), Tensor.uniform(Shape.nchw(2, 4, 5, 5), -1, 1, 41), 42);
        checkModule(SMOOTH, groupedConv(6, 3, 3, 2, 1, 3, false, 43), Tensor.uniform(Shape.nchw(2, 6, 7, 6), -1, 1, 44), 45);
    }

    @Test
    void depthwiseConv() {
        checkModule(SMOOTH, groupedConv(3, 3, 3, 1, 1, 3, false, 46), Tensor.uniform(Shape.nchw(2, 3, 5, 4), -1, 1, 47), 48);
        checkModule(SMOOTH, groupedConv(2, 4, 1, 1, 0, 2, true, 49), Tensor.uniform(Shape.nchw(1, 2, 3, 3), -1, 1, 50), 51);
    }

    @Test
    void groupedConvTapeForwardMatchesEagerForward() {
        for (int groups : new int[] {1, 2, 4, 8}) {
            Conv2d c = groupedConv(8, 16, 3, 2, 1, groups, true, 52);
            Tensor x = Tensor.uniform(Shape.nchw(3, 8, 9, 10), -1, 1, 53);
            Tensor eager = c.forward(x);
            Tensor taped = new TapeModel(c).forward(Tape.inference().constant(x), Tape.inference()).value();
            Tolerance.OP.relativeTo(eager).assertClose(eager, taped, "conv in " + groups + " groups");
        }
    }

    @Test
    void convTapeForwardMatchesEagerForward() {
        for (int[] cfg : new int[][] {{3, 1, 1}, {3, 2, 1}, {1, 2, 0}, {1, 1, 0}, {7, 2, 3}}) {
            Conv2d c = conv(3, 5, cfg[0], cfg[1], cfg[2], true, 19);
            Tensor x = Tensor.uniform(Shape.nchw(3, 3, 11, 10), -1, 1, 20);
            Tensor eager = c.forward(x);
            Tensor taped = new TapeModel(c).forward(Tape.inference().constant(x), Tape.inference()).value();
            Tolerance.OP.relativeTo(eager).assertClose(eager, taped, "conv k" + cfg[0] + " s" + cfg[1]);
        }
    }

    private static BatchNorm2d batchNorm(int c, long seed) {
        BatchNorm2d bn = new BatchNorm2d(c);
        Initializers.randomBatchNormStatistics(bn, seed);
        return bn;
    }

    @Test
    void batchNormTrainingModeThroughMeanAndVariance() {
        BatchNorm2d bn = batchNorm(3, 21);
        bn.train(true);
        checkModule(SMOOTH, bn, Tensor.uniform(Shape.nchw(2, 3, 3, 2), -1, 2, 22), 23);
    }

    @Test
    void batchNormEvalModeIsAffine() {
        BatchNorm2d bn = batchNorm(3, 24);
        bn.train(false);
        checkModule(SMOOTH, bn, Tensor.uniform(Shape.nchw(2, 3, 2, 2), -1, 1, 25), 26);
    }

    /** Training-mode batch norm on the tape against the textbook formulas, computed here in double. */
    @Test
    void batchNormTrainingForwardUsesBatchStatisticsAndMovesRunningOnesOnce() {
        BatchNorm2d bn = batchNorm(4, 27);
        bn.train(true);
        Tensor x = Tensor.uniform(Shape.nchw(3, 4, 3, 3), -2, 2, 28);
        float[] gamma = bn.weight().value().toArray(), beta = bn.bias().value().toArray();
        float[] mean0 = bn.runningMean().value().toArray(), var0 = bn.runningVar().value().toArray();
        Tensor taped = new TapeModel(bn).forward(Tape.recording().constant(x), Tape.recording()).value();
        int n = 3, c = 4, hw = 9, m = n * hw;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, sq = 0;
            for (int b = 0; b < n; b++) for (int i = 0; i < hw; i++) sum += x.array()[(b * c + ch) * hw + i];
            double mean = sum / m;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < hw; i++) sq += Math.pow(x.array()[(b * c + ch) * hw + i] - mean, 2);
            }
            double var = sq / m; // biased, for normalising
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < hw; i++) {
                    int at = (b * c + ch) * hw + i;
                    double want = (x.array()[at] - mean) / Math.sqrt(var + bn.eps()) * gamma[ch] + beta[ch];
                    assertEquals(want, taped.array()[at], 1e-5 * (1 + Math.abs(want)), "y[" + at + "]");
                }
            }
            double momentum = bn.momentum();
            assertEquals((1 - momentum) * mean0[ch] + momentum * mean, bn.runningMean().value().get(ch), 1e-6, "mean " + ch);
            assertEquals((1 - momentum) * var0[ch] + momentum * var * m / (m - 1), bn.runningVar().value().get(ch), 1e-5,
                    "var " + ch + " (unbiased)");
        }
        assertEquals(1f, bn.batchesTracked().value().get());
    }

    /** Inputs at least {@code gap} away from zero, so a finite-difference step never crosses the kink. */
    private static Tensor awayFromZero(Shape s, float gap, long seed) {
        Tensor t = Tensor.uniform(s, -1, 1, seed);
        float[] a = t.array();
        for (int i = 0; i < a.length; i++) a[i] = a[i] < 0 ? a[i] - gap : a[i] + gap;
        return t;
    }

    @Test
    void reluAddAndShortcutPad() {
        Tensor a = awayFromZero(Shape.nchw(2, 2, 5, 5), 0.05f, 29);
        Tensor b = Tensor.uniform(Shape.nchw(2, 4, 3, 3), -1, 1, 30);
        Var[] va = new Var[1], vb = new Var[1];
        // relu(pad(a) + b): exercises the add's two inputs and the padding's sampled positions, with one
        // zero channel on each side of a's two
        Function<Tape, Var> f = tape -> Ops.relu(tape, Ops.add(tape,
                Ops.shortcutPad(tape, va[0] = tape.variable(a), 2, 4, 1), vb[0] = tape.variable(b)));
        // keep every sum pad(a) + b off the ReLU's kink
        float[] ba = b.array();
        for (int i = 0; i < ba.length; i++) if (Math.abs(ba[i] + valueOfPad(a, i)) < 0.01f) ba[i] += 0.1f;
        PIECEWISE.check(f, List.of(GradientCheck.target("a", a, () -> va[0].grad()),
                GradientCheck.target("b", b, () -> vb[0].grad())), 31);
    }

    /** The option-A shortcut's output at flat index {@code i} of a [2, 4, 3, 3] result from a [2, 2, 5, 5] input. */
    private static float valueOfPad(Tensor a, int i) {
        int ox = i % 3, oy = i / 3 % 3, ch = i / 9 % 4, n = i / 36;
        return ch >= 1 && ch < 3 ? a.get(n, ch - 1, oy * 2, ox * 2) : 0f;
    }

    @Test
    void maxPoolRoutesToTheWindowMaximum() {
        Tensor x = Tensor.uniform(Shape.nchw(2, 2, 7, 6), -1, 1, 32);
        Var[] v = new Var[1];
        PIECEWISE.check(tape -> Ops.maxPool2d(tape, v[0] = tape.variable(x), 3, 2, 1),
                List.of(GradientCheck.target("x", x, () -> v[0].grad())), 33);
    }

    @Test
    void globalAvgPoolFlattenLinear() {
        Linear fc = new Linear(3, 4);
        fc.weight().value().copyFrom(Tensor.uniform(Shape.of(4, 3), -1, 1, 34));
        fc.bias().value().copyFrom(Tensor.uniform(Shape.of(4), -1, 1, 35));
        Tensor x = Tensor.uniform(Shape.nchw(2, 3, 3, 2), -1, 1, 36);
        Var[] v = new Var[1];
        Function<Tape, Var> f = tape -> Ops.linear(tape,
                Ops.flatten(tape, Ops.globalAvgPool2d(tape, v[0] = tape.variable(x))), new Param(fc.weight().value(), fc.weight().grad()), new Param(fc.bias().value(), fc.bias().grad()));
        SMOOTH.check(f, List.of(GradientCheck.target("x", x, () -> v[0].grad()),
                GradientCheck.target("fc.weight", fc.weight().value(), fc.weight()::grad),
                GradientCheck.target("fc.bias", fc.bias().value(), fc.bias()::grad)), 37);
    }

    @Test
    void softmaxCrossEntropyValueAndGradient() {
        Tensor z = Tensor.uniform(Shape.of(3, 5), -3, 3, 38);
        int[] labels = {4, 0, 2};
        double expected = 0;
        for (int b = 0; b < 3; b++) {
            double sum = 0;
            for (int i = 0; i < 5; i++) sum += Math.exp(z.get(b, i));
            expected += -Math.log(Math.exp(z.get(b, labels[b])) / sum) / 3;
        }
        assertEquals(expected, Ops.softmaxCrossEntropy(Tape.inference(), Tape.inference().constant(z), labels)
                .value().array()[0], 1e-6);
        Var[] v = new Var[1];
        SMOOTH.check(tape -> Ops.softmaxCrossEntropy(tape, v[0] = tape.variable(z), labels),
                List.of(GradientCheck.target("logits", z, () -> v[0].grad())), 39);
    }

    @Test
    void softmaxCrossEntropyIsStableForHugeLogits() {
        Tensor z = Tensor.wrap(new float[] {1e4f, -1e4f, 0f, 3e4f, 3e4f, -3e4f}, 2, 3);
        Tape tape = Tape.recording();
        Var logits = tape.variable(z);
        Var loss = Ops.softmaxCrossEntropy(tape, logits, new int[] {1, 0});
        tape.backward(loss);
        // item 0: logsumexp = 1e4, loss 2e4; item 1: two equal maxima, loss log 2
        assertEquals((2e4 + Math.log(2)) / 2, loss.value().array()[0], 1e-2);
        assertEquals(-1, logits.grad().firstNonFinite());
        assertEquals(0.5, logits.grad().get(0, 0), 1e-6); // (p - 0) / 2 with p = 1
        assertEquals(-0.5, logits.grad().get(0, 1), 1e-6); // (0 - 1) / 2
        assertEquals(-0.25, logits.grad().get(1, 0), 1e-6); // (0.5 - 1) / 2
    }

    @Test
    void theCheckerRejectsAGradientThatIsThreePercentOff() {
        Tensor x = Tensor.uniform(Shape.of(2, 3), -1, 1, 40);
        Linear fc = new Linear(3, 2);
        fc.weight().value().copyFrom(Tensor.uniform(Shape.of(2, 3), -1, 1, 41));
        Function<Tape, Var> f = tape -> {
            // recorded first, so it runs last in backward: scales the true gradient by 1.03
            tape.record(() -> {
                float[] g = fc.weight().grad().array();
                for (int i = 0; i < g.length; i++) g[i] *= 1.03f;
            });
            return Ops.linear(tape, tape.constant(x), new Param(fc.weight().value(), fc.weight().grad()), new Param(fc.bias().value(), fc.bias().grad()));
        };
        assertThrows(AssertionFailedError.class, () -> SMOOTH.check(f,
                List.of(GradientCheck.target("w", fc.weight().value(), fc.weight()::grad)), 42));
    }
}
