package io.jresnet.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.nn.Initializers;
import io.jresnet.reference.GemmConvTest;
import io.jresnet.reference.ReferenceTrainingKernels;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A training step split over several threads (the reference kernels on a GEMM that claims several:
 * convolution by images, batch norm by channels, element-wise ops by ranges) against the same step on one thread,
 * and the reuse of op outputs from one step to the next. The "threads" are the shares of
 * {@link GemmConvTest.SharedOutGemm}, run one after the other, so the split itself is what is tested.
 */
class ThreadSplitTest {
    /** Batch 6 of 1x16x16: the first stage's activations (6*16*256 floats) are above the parallel threshold. */
    private static final Shape INPUT = Shape.nchw(6, 1, 16, 16);

    private static Map<String, float[]> stepGradients(TrainingContext ctx, int steps) {
        ResNet net = new ResNet(ResNetSpec.cifar(8).withInChannels(1));
        Initializers.kaiming(net, 5, false);
        Initializers.randomBatchNormStatistics(net, 6);
        net.train(true);
        Sgd sgd = Sgd.paper(net);
        int[] labels = {0, 1, 2, 3, 4, 5};
        for (int s = 0; s < steps; s++) {
            sgd.zeroGrad();
            Tape tape = Tape.recording(ctx);
            Var loss = Ops.softmaxCrossEntropy(tape, new TapeModel(net).forward(tape.constant(Tensor.uniform(INPUT, -1, 1, 7 + s)),
                    tape), labels);
            tape.backward(loss);
            if (s < steps - 1) sgd.step(0.05);
        }
        Map<String, float[]> grads = new LinkedHashMap<>();
        sgd.parameters().forEach((name, p) -> grads.put(name, p.grad().toArray()));
        return grads;
    }

    @Test
    void aStepSplitOverThreadsGivesTheOneThreadGradients() {
        assertTrue(INPUT.size() * 16 >= 1 << 14, "activations above the kernels' parallel threshold");
        Map<String, float[]> one = stepGradients(new TrainingContext(new ReferenceTrainingKernels(new GemmConvTest.BlockedFloatGemm())), 3);
        Map<String, float[]> three = stepGradients(new TrainingContext(new ReferenceTrainingKernels(new GemmConvTest.SharedOutGemm(3))), 3);
        one.forEach((name, g) -> {
            Tensor e = Tensor.wrap(g, Shape.of(g.length)), a = Tensor.wrap(three.get(name), Shape.of(g.length));
            Tolerance.OP.relativeTo(e).assertClose(e, a, name);
        });
    }

    @Test
    void opOutputsAreReusedAcrossTapesOnOneContext() {
        TrainingContext ctx = new TrainingContext(new ReferenceTrainingKernels(new GemmConvTest.BlockedFloatGemm()));
        ResNet net = new ResNet(ResNetSpec.cifar(8).withInChannels(1));
        Initializers.kaiming(net, 5, false);
        net.train(true);
        Tape first = Tape.recording(ctx);
        float[] logitsFirst = new TapeModel(net).forward(first.constant(Tensor.uniform(INPUT, -1, 1, 9)), first).value().array();
        Tensor x = Tensor.uniform(INPUT, -1, 1, 10);
        Tape second = Tape.recording(ctx);
        Tensor logitsSecond = new TapeModel(net).forward(second.constant(x), second).value();
        assertSame(logitsFirst, logitsSecond.array(), "the second tape's logits live in the first one's buffer");
        Tape alone = Tape.recording(new TrainingContext(new ReferenceTrainingKernels(new GemmConvTest.BlockedFloatGemm())));
        // same batch statistics, same weights: a fresh context computes the same values
        assertArrayEquals(new TapeModel(net).forward(alone.constant(x), alone).value().toArray(), logitsSecond.toArray(), 1e-5f);
    }
}
