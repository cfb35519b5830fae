package io.jresnet.train;

import io.jresnet.backend.Backends;
import io.jresnet.backend.BackendOptions;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.Arrays;

/**
 * Training steps with ReLUs folded into the op before them ({@link TapeModel}) against every ReLU on
 * its own, alternating in one JVM on the best backend (CIFAR ResNet, 1x28x28, batch 128): prints the
 * median per-round time ratio, folded / separate.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp core/target/classes:core/target/test-classes:backend-cpu/target/classes \
 *     io.jresnet.train.ReluFusionAB [depth=20] [rounds=15]
 * </pre>
 */
public final class ReluFusionAB {
    private ReluFusionAB() {}

    public static void main(String[] args) {
        int depth = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15, batch = 128;
        var backend = Backends.create(null, BackendOptions.threads(0));
        TrainingContext foldedContext = TrainingContext.on(backend), separateContext = TrainingContext.on(backend);
        ResNet net = new ResNet(ResNetSpec.cifar(depth).withInChannels(1));
        Initializers.kaiming(net, 1, false);
        net.train(true);
        TapeModel folded = new TapeModel(net, true), separate = new TapeModel(net, false);
        Tensor x = Tensor.normal(Shape.nchw(batch, 1, 28, 28), 1f, 2);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % 10;
        double[] ratio = new double[rounds];
        for (int r = -2; r < rounds; r++) { // two rounds of warm-up
            long t0 = System.nanoTime();
            for (int i = 0; i < 3; i++) step(foldedContext, folded, x, labels);
            long t1 = System.nanoTime();
            for (int i = 0; i < 3; i++) step(separateContext, separate, x, labels);
            long t2 = System.nanoTime();
            if (r >= 0) ratio[r] = (double) (t1 - t0) / (t2 - t1);
        }
        Arrays.sort(ratio);
        System.out.printf("resnet%d, batch %d, %s: folded / separate step time, median of %d rounds %.3f"
                + " (range %.3f-%.3f)%n", depth, batch, backend.name(), rounds, ratio[rounds / 2], ratio[0],
                ratio[rounds - 1]);
    }

    private static void step(TrainingContext context, TapeModel model, Tensor x, int[] labels) {
        Tape tape = Tape.recording(context);
        tape.backward(Ops.softmaxCrossEntropy(tape, model.forward(tape.constant(x), tape), labels));
        model.module().namedParameters().values().forEach(p -> {
            if (p.trainable()) p.grad().fill(0f);
        });
    }
}
