package io.jresnet.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.nn.ShortcutType;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A ReLU folded into the batch norm or the addition before it ({@link TapeModel}) changes how many
 * passes a step makes, not what it computes: a training step and an eval-mode step give the same loss,
 * parameter gradients, input gradient and running statistics with and without the folding, bit for bit
 * (the masked gradient is the same float either way), on basic, bottleneck, pre-activation and plain nets.
 */
class ReluFusionTest {
    @ParameterizedTest
    @ValueSource(strings = {"resnet8", "plain8", "bottleneck", "preact"})
    void foldedReLUsGiveTheSameStep(String kind) {
        for (boolean training : new boolean[] {true, false}) {
            Map<String, float[]> fused = step(kind, true, training), separate = step(kind, false, training);
            assertEquals(separate.keySet(), fused.keySet());
            separate.forEach((name, expected) -> assertArrayEquals(expected, fused.get(name), 0f,
                    kind + (training ? " training: " : " eval: ") + name));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet8", "plain8", "bottleneck", "preact"})
    void everyNetFoldsSomeReLUs(String kind) {
        ResNet net = new ResNet(spec(kind));
        TapeModel model = new TapeModel(net);
        Tape tape = Tape.inference();
        model.forward(tape.constant(Tensor.zeros(INPUT)), tape);
        int expected = switch (kind) {
            case "resnet8" -> 1 + 3 * 2; // the stem's BN; per block, BN1's and the addition's
            case "plain8" -> 1 + 3 * 2; // the stem's BN; per block, both BNs
            case "bottleneck" -> 1 + 2 * 3; // the stem's BN; per block, BN1's, BN2's and the addition's
            default -> 3 * 2 + 1; // per pre-activation block, both BNs (no BN after the stem); then the final BN
        };
        assertEquals(expected, model.foldedRelus(INPUT), kind);
    }

    private static final Shape INPUT = Shape.nchw(3, 1, 12, 12);

    private static ResNetSpec spec(String kind) {
        return switch (kind) {
            case "resnet8" -> ResNetSpec.cifar(8).withInChannels(1);
            case "plain8" -> ResNetSpec.cifar(8).withInChannels(1).plain();
            case "bottleneck" -> new ResNetSpec("tiny-bottleneck", ResNetSpec.Block.BOTTLENECK, new int[] {1, 1},
                    new int[] {4, 8}, ResNetSpec.Stem.CIFAR, ShortcutType.B, 1, 10);
            default -> ResNetSpec.cifarPreActivation(8, false).withInChannels(1);
        };
    }

    private static Map<String, float[]> step(String kind, boolean fuse, boolean training) {
        ResNet net = new ResNet(spec(kind));
        Initializers.kaiming(net, 7, false);
        Initializers.randomBatchNormStatistics(net, 8);
        net.train(training);
        Tape tape = Tape.recording();
        Var x = tape.variable(Tensor.uniform(INPUT, -1, 1, 9));
        Var loss = Ops.softmaxCrossEntropy(tape, new TapeModel(net, fuse).forward(x, tape), new int[] {0, 3, 9});
        tape.backward(loss);
        Map<String, float[]> out = new LinkedHashMap<>();
        out.put("loss", loss.value().toArray());
        out.put("input gradient", x.grad().toArray());
        net.namedParameters().forEach((name, p) -> {
            out.put(name, p.value().toArray()); // running statistics move in training mode
            if (p.trainable()) out.put(name + " gradient", p.grad().toArray());
        });
        return out;
    }
}
