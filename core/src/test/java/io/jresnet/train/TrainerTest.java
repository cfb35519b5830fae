package io.jresnet.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.train.data.Augmentation;
import io.jresnet.train.data.DataLoader;
import io.jresnet.train.data.Dataset;
import io.jresnet.train.data.Idx;
import io.jresnet.train.data.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Training end to end: resuming from a snapshot, and learning Fashion-MNIST. */
class TrainerTest {
    static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

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
        return new Trainer(net, Sgd.paper(net), LearningRateSchedule.cosine(0.1, 18, 0), loader);
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
        double error = Trainer.errorRate(net, DataLoader.evaluation(quadrants(3), 32, Normalization.of(data)));
        assertTrue(error < 0.35, "held-out error " + error + " (chance is 0.75)");
    }

    /**
     * ResNet-8 (CIFAR layout, 1 input channel) on the first 2000 Fashion-MNIST training images for one
     * epoch (125 steps of 16, cosine from 0.1), tested on the first 1000 test images. Measured on the
     * shared 2-core machine: 70.0% test accuracy in about 60 s; the bar is 60%. (3000 images reached
     * 71.4% but took 110 s under load.) Skipped without the data set, except under CI (CI=true), where
     * a missing data set fails.
     */
    @Test
    void fashionMnistSubsetReachesSixtyPercentInOneEpoch() {
        if (!Files.isDirectory(FASHION_MNIST)) {
            if ("true".equals(System.getenv("CI"))) {
                fail(FASHION_MNIST + " is missing; install it with: apt-get install -y dataset-fashion-mnist");
            }
            Assumptions.abort(FASHION_MNIST + " is missing (apt-get install -y dataset-fashion-mnist)");
        }
        Dataset train = Idx.fromDirectory(FASHION_MNIST, true);
        Dataset test = Idx.fromDirectory(FASHION_MNIST, false);
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        assertEquals(28, train.height());
        ResNet net = new ResNet(ResNetSpec.cifar(8).withInChannels(1));
        Initializers.kaiming(net, 42, false);
        DataLoader loader = DataLoader.training(train.subset(0, 2000), 16, Augmentation.NONE,
                Normalization.FASHION_MNIST, 42);
        Trainer trainer = new Trainer(net, Sgd.paper(net), LearningRateSchedule.cosine(0.1, loader.batchesPerEpoch(), 0),
                loader);
        Trainer.EpochReport report = trainer.runEpoch(DataLoader.evaluation(test.subset(0, 1000), 100,
                Normalization.FASHION_MNIST));
        System.out.println("Fashion-MNIST 2000 images, resnet8, 1 epoch: " + report);
        assertTrue(report.testError() <= 0.40, report.toString());
    }
}
