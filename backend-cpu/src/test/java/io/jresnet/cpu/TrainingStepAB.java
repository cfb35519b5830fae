package io.jresnet.cpu;

import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.train.Ops;
import io.jresnet.train.Sgd;
import io.jresnet.train.Tape;
import io.jresnet.train.TapeModel;
import io.jresnet.train.TrainingContext;
import io.jresnet.train.Var;
import java.util.Arrays;

/**
 * Training steps of a CIFAR ResNet on 1x28x28 inputs, batch 128, two threads, with the 3x3 stride-1
 * convolutions on {@link BorderedPlaneConv} and with every convolution as im2col + GEMM, alternating
 * in one JVM: on a shared host only a same-process ratio means anything. Prints the median of the
 * per-round ratios and its quartiles.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp core/target/classes:backend-cpu/target/classes:backend-cpu/target/test-classes \
 *     io.jresnet.cpu.TrainingStepAB [depth=20] [rounds=9]
 * </pre>
 */
public final class TrainingStepAB {
    private TrainingStepAB() {}

    public static void main(String[] args) {
        int depth = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        int batch = 128, stepsPerRound = 3;
        try (WorkerPool pool = new WorkerPool(2)) {
            VectorGemm gemm = new VectorGemm(pool);
            TrainingContext[] contexts = {new TrainingContext(new VectorTrainingKernels(gemm, false)),
                new TrainingContext(new VectorTrainingKernels(gemm, true))};
            ResNet net = new ResNet(ResNetSpec.cifar(depth).withInChannels(1));
            Initializers.kaiming(net, 1, false);
            net.train(true);
            Sgd sgd = Sgd.paper(net);
            Tensor x = Tensor.normal(Shape.nchw(batch, 1, 28, 28), 1f, 2);
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) labels[i] = i % 10;
            double[][] ms = new double[2][rounds];
            for (int r = -4; r < rounds; r++) { // four rounds of warm-up
                for (int v = 0; v < 2; v++) {
                    long t0 = System.nanoTime();
                    for (int s = 0; s < stepsPerRound; s++) {
                        sgd.zeroGrad();
                        Tape tape = Tape.recording(contexts[v]);
                        Var loss = Ops.softmaxCrossEntropy(tape, new TapeModel(net).forward(tape.constant(x), tape), labels);
                        tape.backward(loss);
                        sgd.step(0.01);
                    }
                    if (r >= 0) ms[v][r] = (System.nanoTime() - t0) / 1e6 / stepsPerRound;
                }
            }
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = ms[1][r] / ms[0][r];
            Arrays.sort(ratio);
            Arrays.sort(ms[0]);
            Arrays.sort(ms[1]);
            System.out.printf("resnet%d, batch %d: im2col + GEMM %.1f ms/step, bordered planes %.1f ms/step (medians);"
                            + " median ratio bordered / GEMM %.3f, quartiles [%.3f, %.3f]%n", depth, batch, ms[0][rounds / 2],
                    ms[1][rounds / 2], ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4]);
        }
    }
}
