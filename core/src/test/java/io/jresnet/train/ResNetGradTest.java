package io.jresnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.nn.BatchNorm2d;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.Module;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.nn.ShortcutType;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opentest4j.AssertionFailedError;

/** Whole networks in training mode: backprop through every layer against finite differences. */
class ResNetGradTest {
    /**
     * Through a whole net in float32 a finite-difference step moves some pre-activations across ReLU
     * kinks, and batch statistics of 8 values (2 images of 2x2 in the last stage) are strongly
     * nonlinear: numeric gradients of early layers approach the analytic ones only as the step
     * shrinks, until rounding takes over. Hence several steps, and see {@link #checkNet} for how the
     * kinks are made rarer. Differences below 1e-4 are at the noise level of the smallest step.
     */
    private static final GradientCheck CHECK = new GradientCheck(new double[] {3e-3, 1e-3, 3e-4}, 1e-2, 3e-2, 1e-4, 4);

    /**
     * Each whole tensor is also moved along its analytic gradient ({@link GradientCheck#alongGradient}),
     * within 2.5%; the rounding noise of the projected output is taken as 1e-7 of {@code sum |out * r|}
     * (float32's relative precision). Small steps only: at 1e-2 and above, ReLU crossings put errors of
     * a few percent that can cancel a wrong gradient's. Measured on plain-8 and ResNet-8: at most 1.7%
     * for the right gradients (most below 0.3%), at least 4.3% for one scaled by 1.05.
     */
    private static final GradientCheck ALONG_GRADIENT = new GradientCheck(new double[] {1e-3, 3e-4}, 0, 0.025, 1e-7, 0);


    /** A tiny bottleneck net with the ImageNet stem (7x7/2 conv, max pool) and projection shortcuts. */
    static ResNetSpec tinyBottleneck(ShortcutType shortcut) {
        return new ResNetSpec("tiny-bottleneck", ResNetSpec.Block.BOTTLENECK, new int[] {1, 1}, new int[] {2, 3},
                ResNetSpec.Stem.IMAGENET, shortcut, 1, 3);
    }

    private static double checkNet(ResNetSpec spec, Shape input, long seed) {
        return checkNet(CHECK, spec, input, seed, null);
    }

    /** @param corrupt if not null, recorded first on the tape so that it runs after every other backward step */
    private static double checkNet(GradientCheck check, ResNetSpec spec, Shape input, long seed,
                                   Consumer<ResNet> corrupt) {
        ResNet net = new ResNet(spec);
        Initializers.kaiming(net, seed, false);
        Initializers.randomBatchNormStatistics(net, seed + 1); // BN scales away from 1
        shiftBatchNormsAwayFromTheKink(net, seed);
        net.train(true);
        Tensor x = Tensor.uniform(input, -1, 1, seed + 2);
        Var[] in = new Var[1];
        Function<Tape, Var> f = tape -> {
            if (corrupt != null) tape.record(() -> corrupt.accept(net));
            return new TapeModel(net).forward(in[0] = tape.variable(x), tape);
        };
        List<GradientCheck.Target> targets = new ArrayList<>();
        targets.add(GradientCheck.target("input", x, () -> in[0].grad()));
        net.namedParameters().forEach((name, p) -> {
            if (p.trainable()) targets.add(GradientCheck.target(name, p.value(), p::grad));
        });
        double worst = check.check(f, targets, seed + 3);
        for (GradientCheck.Target t : targets) {
            net.namedParameters().values().forEach(p -> p.grad().fill(0f));
            double ratio = ALONG_GRADIENT.alongGradient(f, t, seed + 4);
            if (!(ratio <= 1)) {
                throw new AssertionFailedError(String.format("%s: moved along its gradient, the loss changes by %.1f"
                        + " times the allowed error more or less than the gradient predicts", t.name(), ratio));
            }
        }
        return worst;
    }

    /**
     * BN shifts in [1, 2] put most ReLU inputs (which BN makes unit-variance) well above the kink, so
     * finite differences cross it rarely; the 2-16% below zero still exercise the ReLU mask.
     */
    private static void shiftBatchNormsAwayFromTheKink(ResNet net, long seed) {
        for (Module m : Initializers.modules(net)) {
            if (m instanceof BatchNorm2d bn) bn.bias().value().copyFrom(Tensor.uniform(bn.bias().value().shape(), 1, 2, seed));
        }
    }

    @Test
    void cifarResNet8OptionAOneChannel8x8() {
        checkNet(ResNetSpec.cifar(8).withInChannels(1), Shape.nchw(2, 1, 8, 8), 100);
    }

    /**
     * The whole-net check sees a gradient 5% off in any one place: the first conv, a conv deep in the
     * net, a batch norm's scale and shift, the classifier's weight and bias.
     */
    @ParameterizedTest
    @ValueSource(strings = {"conv1.weight", "layer2.0.conv2.weight", "layer1.0.bn1.weight", "layer3.0.bn2.bias",
            "fc.weight", "fc.bias"})
    void aGradientFivePercentOffInOneParameterFailsTheWholeNetCheck(String parameter) {
        Consumer<ResNet> scaleOne = net -> {
            float[] g = net.namedParameters().get(parameter).grad().array();
            for (int i = 0; i < g.length; i++) g[i] *= 1.05f;
        };
        assertThrows(AssertionFailedError.class, () -> checkNet(CHECK, ResNetSpec.cifar(8).withInChannels(1),
                Shape.nchw(2, 1, 8, 8), 100, scaleOne), parameter + " 5% off passed the check");
    }

    /**
     * The same for a plain net. Its first conv's gradient passes through every ReLU kink of the net, and
     * element by element its float32 finite differences sit a few percent off at every step; moved as a
     * whole tensor along its gradient, the error shows.
     */
    @ParameterizedTest
    @ValueSource(strings = {"conv1.weight", "layer2.0.conv2.weight", "layer1.0.bn1.weight", "layer3.0.bn2.bias",
            "fc.weight", "fc.bias"})
    void aGradientFivePercentOffFailsThePlainNetCheckToo(String parameter) {
        Consumer<ResNet> scaleOne = net -> {
            float[] g = net.namedParameters().get(parameter).grad().array();
            for (int i = 0; i < g.length; i++) g[i] *= 1.05f;
        };
        assertThrows(AssertionFailedError.class, () -> checkNet(CHECK, ResNetSpec.cifar(8).withInChannels(1).plain(),
                Shape.nchw(2, 1, 8, 8), 200, scaleOne), parameter + " 5% off passed the plain-net check");
    }

    /**
     * Every trainable tensor of both nets, its gradient scaled by 1.05 alone: moving that tensor along
     * its gradient shows the error (the right gradients pass in {@link #plainCifarNet8} and
     * {@link #cifarResNet8OptionAOneChannel8x8}).
     */
    @Test
    void everyGradientFivePercentOffFailsAlongItsGradient() {
        for (ResNetSpec spec : List.of(ResNetSpec.cifar(8).withInChannels(1), ResNetSpec.cifar(8).withInChannels(1).plain())) {
            ResNet net = new ResNet(spec);
            Initializers.kaiming(net, 700, false);
            Initializers.randomBatchNormStatistics(net, 701);
            shiftBatchNormsAwayFromTheKink(net, 700);
            net.train(true);
            Tensor x = Tensor.uniform(Shape.nchw(2, 1, 8, 8), -1, 1, 702);
            List<String> passed = new ArrayList<>();
            net.namedParameters().forEach((name, p) -> {
                if (!p.trainable()) return;
                Function<Tape, Var> f = tape -> {
                    tape.record(() -> {
                        float[] g = p.grad().array();
                        for (int i = 0; i < g.length; i++) g[i] *= 1.05f;
                    });
                    return new TapeModel(net).forward(tape.constant(x), tape);
                };
                net.namedParameters().values().forEach(q -> q.grad().fill(0f));
                if (ALONG_GRADIENT.alongGradient(f, GradientCheck.target(name, p.value(), p::grad), 703) <= 1) {
                    passed.add(name);
                }
            });
            assertTrue(passed.isEmpty(), spec.name() + ": 5% off passed for " + passed);
        }
    }

    @Test
    void plainCifarNet8() {
        checkNet(CHECK, ResNetSpec.cifar(8).withInChannels(1).plain(), Shape.nchw(2, 1, 8, 8), 200, null);
    }

    @Test
    void cifarResNet8OptionCProjectionsEverywhere() {
        checkNet(ResNetSpec.cifar(8).withInChannels(1).withShortcut(ShortcutType.C).withClasses(4),
                Shape.nchw(2, 1, 6, 6), 300);
    }

    /** Pre-activation blocks (He et al. 2016): BN-ReLU first, no ReLU after the sum, a final BN-ReLU. */
    @Test
    void preActivationBasicAndBottleneckNets() {
        for (ResNetSpec.Block block : ResNetSpec.Block.values()) {
            ResNetSpec tiny = new ResNetSpec("tiny-preact", block, new int[] {1, 1}, new int[] {2, 3}, ResNetSpec.Stem.CIFAR,
                    ShortcutType.B, 1, 3, ResNetSpec.DEFAULT_BOTTLENECK_WIDTH, true);
            checkNet(tiny, Shape.nchw(2, 1, 8, 8), 500 + block.ordinal());
        }
    }

    @Test
    void bottleneckWithImageNetStemAndOptionB() {
        checkNet(tinyBottleneck(ShortcutType.B), Shape.nchw(2, 1, 16, 16), 400);
    }

    /**
     * The loss's gradient enters the net correctly: backward from the fused loss gives the same
     * parameter gradients as backward from the logits seeded with {@code (softmax - onehot) / N}
     * computed here in double. (The loss op and the net are each checked against finite differences.)
     */
    @Test
    void softmaxCrossEntropyLossDrivesTheWholeNet() {
        ResNet net = new ResNet(ResNetSpec.cifar(8).withInChannels(1));
        Initializers.kaiming(net, 500, false);
        net.train(true);
        Tensor x = Tensor.uniform(Shape.nchw(2, 1, 8, 8), -1, 1, 501);
        int[] labels = {3, 7};
        Tape viaLoss = Tape.recording();
        viaLoss.backward(Ops.softmaxCrossEntropy(viaLoss, new TapeModel(net).forward(viaLoss.constant(x), viaLoss), labels));
        Map<String, Tensor> fromLoss = new LinkedHashMap<>();
        net.namedParameters().forEach((name, p) -> {
            if (p.trainable()) {
                fromLoss.put(name, p.grad().copy());
                p.grad().fill(0f);
            }
        });
        Tape viaLogits = Tape.recording();
        Var logits = new TapeModel(net).forward(viaLogits.constant(x), viaLogits);
        Tensor seed = Tensor.zeros(logits.shape());
        for (int b = 0; b < 2; b++) {
            double sum = 0;
            for (int i = 0; i < 10; i++) sum += Math.exp(logits.value().get(b, i));
            for (int i = 0; i < 10; i++) {
                seed.set((float) ((Math.exp(logits.value().get(b, i)) / sum - (i == labels[b] ? 1 : 0)) / 2), b, i);
            }
        }
        viaLogits.backward(logits, seed);
        fromLoss.forEach((name, g) -> new Tolerance(1e-6, 1e-4).relativeTo(g)
                .assertClose(g, net.namedParameters().get(name).grad(), name));
    }

    /**
     * In eval mode the taped graph computes what the eager path (the reference backend on the unfused
     * plan) computes, and leaves the running statistics alone. Training mode has no eager twin: batch
     * norm's batch statistics are checked per op in {@link OpsGradTest}.
     */
    @Test
    void tapeForwardEqualsEagerForwardInEvalMode() {
        for (ResNetSpec spec : List.of(ResNetSpec.cifar(8).withInChannels(1), tinyBottleneck(ShortcutType.B))) {
            ResNet eagerNet = new ResNet(spec), tapeNet = new ResNet(spec);
            Initializers.kaiming(eagerNet, 600, false);
            Initializers.kaiming(tapeNet, 600, false);
            Initializers.randomBatchNormStatistics(eagerNet, 601);
            Initializers.randomBatchNormStatistics(tapeNet, 601);
            Tensor x = Tensor.uniform(Shape.nchw(3, 1, 16, 16), -1, 1, 602);
            Tensor eager = eagerNet.forward(x);
            Tape tape = Tape.recording();
            Tensor taped = new TapeModel(tapeNet).forward(tape.constant(x), tape).value();
            new Tolerance(1e-4, 1e-3).relativeTo(eager).assertClose(eager, taped, spec.name());
            var eagerState = eagerNet.stateDict();
            tapeNet.stateDict().forEach((name, t) -> Tolerance.OP.assertClose(eagerState.get(name), t, spec.name() + " " + name));
            assertEquals(true, tape.size() > 0, "eval-mode forward on a recording tape records too");
            eagerNet.train(true);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> eagerNet.forward(x));
            assertTrue(e.getMessage().contains("TapeModel"), e.getMessage());
        }
    }
}
