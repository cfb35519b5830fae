package io.jresnet.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.train.data.Augmentation;
import io.jresnet.train.data.DataLoader;
import io.jresnet.train.data.Dataset;
import io.jresnet.train.data.Normalization;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Training end to end on tiny synthetic data (seconds on the reference GEMM): resuming from a
 * snapshot, and learning a simple task. Learning Fashion-MNIST on the fast GEMM is tested in the
 * models module ({@code FashionMnistTrainingTest}).
 */
class TrainerTest {
    /** 96 random 8x8 images whose label is the brightest of the four quadrants (learnable, not trivial). */
    private static Dataset quadrants(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 96;
        byte[] px = new byte[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(4);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int q = (y / 4) * 2 + x / 4;
                    px[i * 64 + y * 8 + x] = (byte) (r.nextInt(120) + (q == labels[i] ? 100 : 0));
                }
            }
        }
        return new Dataset("quadrants", px, labels, 1, 8, 8, 4);
    }

    private static ResNet net() {
        ResNet net = new ResNet(ResNetSpec.cifar(8).withInChannels(1).withClasses(4));
        Initializers.kaiming(net, 7, false);
        return net;
    }

    private static Trainer trainer(ResNet net, Dataset data) {
        DataLoader loader = DataLoader.training(data, 16, new Augmentation(1, true), Normalization.of(data), 11);
        return new Trainer(net, Sgd.paper(net), LearningRateSchedule.cosine(0.1, 18, 0), loader,
                TrainingContext.reference());
    }

    @Test
    void resumingFromAStateContinuesExactlyLikeAnUninterruptedRun() {
        Dataset data = quadrants(1);
        ResNet straight = net();
        Trainer a = trainer(straight, data);
        a.runEpoch(null);
        Trainer.EpochReport second = a.runEpoch(null);

        ResNet first = net();
        Trainer b = trainer(first, data);
        b.runEpoch(null);
        Trainer.State saved = b.state();
        b.runEpoch(null); // moves on; the snapshot must not change

        ResNet resumed = net();
        Trainer c = trainer(resumed, data);
        c.restore(saved);
        assertEquals(1, c.epoch());
        assertEquals(6, c.iteration());
        Trainer.EpochReport again = c.runEpoch(null);
        assertEquals(second.trainLoss(), again.trainLoss(), 0.0);
        straight.stateDict().forEach((name, t) ->
                assertArrayEquals(t.toArray(), resumed.stateDict().get(name).toArray(), name));
    }

    @Test
    void lossFallsAndTheQuadrantTaskIsLearned() {
        Dataset data = quadrants(2);
        ResNet net = net();
        Trainer t = trainer(net, data);
        Trainer.EpochReport first = t.runEpoch(null), last = first;
        for (int e = 1; e < 3; e++) last = t.runEpoch(null);
        assertTrue(last.trainLoss() < first.trainLoss(), first + " then " + last);
        double error = Trainer.errorRate(net, DataLoader.evaluation(quadrants(3), 32, Normalization.of(data)), TrainingContext.reference());
        assertTrue(error < 0.35, "held-out error " + error + " (chance is 0.75)");
    }
}
