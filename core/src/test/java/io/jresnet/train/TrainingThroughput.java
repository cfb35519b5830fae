package io.jresnet.train;

import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * Measures training throughput (forward, backward, SGD step) on random data:
 * {@code java -cp core/target/classes:core/target/test-classes io.jresnet.train.TrainingThroughput [depth] [side] [batch] [steps] [warmup]}.
 * Defaults: CIFAR ResNet-20, 1 channel, 28x28, batch 64, 3 warm-up steps then 10 timed ones. The
 * kernels are the best available backend's ({@link io.jresnet.backend.Backend#newTrainingKernels()}:
 * the cpu backend's when its jar is on the class path); {@code -Djresnet.backend=reference} forces the
 * reference.
 */
public final class TrainingThroughput {
    private TrainingThroughput() {}

    public static void main(String[] args) {
        int depth = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int side = args.length > 1 ? Integer.parseInt(args[1]) : 28;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        io.jresnet.backend.Backend backend = io.jresnet.backend.Backends.create(null, io.jresnet.backend.BackendOptions.threads(0));
        TrainingContext ctx = TrainingContext.on(backend);
        ResNet net = new ResNet(ResNetSpec.cifar(depth).withInChannels(1));
        Initializers.kaiming(net, 1, false);
        net.train(true);
        Sgd sgd = Sgd.paper(net);
        Tensor x = Tensor.normal(Shape.nchw(batch, 1, side, side), 1f, 2);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % 10;
        for (int i = 0; i < warmup; i++) step(ctx, net, sgd, x, labels);
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) step(ctx, net, sgd, x, labels);
        double s = (System.nanoTime() - t0) / 1e9;
        long macs = net.macs(Shape.nchw(1, 1, side, side));
        System.out.printf("resnet%d, 1x%dx%d, batch %d, %d cores, %s: %.1f ms/step, %.1f images/s"
                        + " (%.1f MMACs/image forward; ~%.1f GFLOP/s counting backward as 2x forward)%n",
                depth, side, side, batch, Runtime.getRuntime().availableProcessors(), ctx.kernels().description(), 1e3 * s / steps,
                batch * steps / s, macs / 1e6, 6.0 * macs * batch * steps / s / 1e9);
        backend.close();
    }

    private static void step(TrainingContext ctx, ResNet net, Sgd sgd, Tensor x, int[] labels) {
        sgd.zeroGrad();
        Tape tape = Tape.recording(ctx);
        Var loss = Ops.softmaxCrossEntropy(tape, new TapeModel(net).forward(tape.constant(x), tape), labels);
        tape.backward(loss);
        sgd.step(0.1);
    }
}
