package io.jresnet.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.train.data.Augmentation;
import io.jresnet.train.data.DataLoader;
import io.jresnet.train.data.Dataset;
import io.jresnet.train.data.Normalization;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A training step of a fixed-shape network allocates about as much as its batch and no more: op
 * outputs, gradients and GEMM scratch are kept in the {@link TrainingContext} from step to step, so
 * what is left is the batch tensor, the labels and the tape's small bookkeeping objects.
 */
class TrainingAllocationTest {
    @Test
    void aSteadyStateStepAllocatesLittleMoreThanItsBatch() {
        int n = 256, batch = 32, side = 16;
        SplittableRandom r = new SplittableRandom(3);
        byte[] px = new byte[n * side * side];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = r.nextInt(10);
        r.nextBytes(px);
        Dataset data = new Dataset("noise", px, labels, 1, side, side, 10);
        ResNet net = new ResNet(ResNetSpec.cifar(8).withInChannels(1));
        Initializers.kaiming(net, 5, false);
        DataLoader loader = DataLoader.training(data, batch, new Augmentation(2, true), Normalization.of(data), 9);
        Trainer trainer = new Trainer(net, Sgd.paper(net), LearningRateSchedule.cosine(0.05, 100, 0), loader,
                TrainingContext.reference());
        trainer.runEpoch(null);
        trainer.runEpoch(null); // warm: every op output and gradient buffer exists now

        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getTotalThreadAllocatedBytes();
        trainer.runEpoch(null);
        long perStep = (threads.getTotalThreadAllocatedBytes() - before) / loader.batchesPerEpoch();

        long batchBytes = (long) batch * side * side * Float.BYTES + batch * Integer.BYTES;
        // The network's activations alone are ~40x the batch (16 channels at full size, 8 layers,
        // values and gradients); a step that allocated them anew would be far above this bound.
        long bound = 2 * batchBytes + 256 * 1024;
        System.out.printf("training step allocation: %,d bytes per step (batch %,d bytes, bound %,d)%n", perStep,
                batchBytes, bound);
        assertTrue(perStep <= bound, perStep + " bytes per step > " + bound);
    }
}
