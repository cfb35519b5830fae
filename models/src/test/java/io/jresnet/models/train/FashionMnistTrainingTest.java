package io.jresnet.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.models.FashionMnistData;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.train.LearningRateSchedule;
import io.jresnet.train.Sgd;
import io.jresnet.train.Trainer;
import io.jresnet.train.TrainingContext;
import io.jresnet.train.data.Augmentation;
import io.jresnet.train.data.DataLoader;
import io.jresnet.train.data.Dataset;
import io.jresnet.models.data.Idx;
import io.jresnet.train.data.Normalization;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Learning Fashion-MNIST on the fast path: the cpu backend's GEMM (a test dependency of this module)
 * with two threads. Skipped without the data set, except under CI (CI=true), where a missing data set
 * fails.
 */
class FashionMnistTrainingTest {
    static final Path FASHION_MNIST = FashionMnistData.DIR;

    /**
     * ResNet-8 (CIFAR layout, 1 input channel) on the first 5000 training images for two epochs (314
     * steps of 32, cosine from 0.1, no augmentation), tested on the first 2000 test images. Measured
     * on the shared 2-core AMD EPYC machine at load 2.0: 78.9% test accuracy in 27.5 s (6000 images
     * reached 79.2% in 39 s, too close to the one-minute budget under load). The bar, 72%, is
     * several points below, far above what a broken gradient reaches (chance is 10%).
     */
    @Test
    void resnet8OnAFiveThousandImageSubsetReachesTheStatedAccuracy() {
        FashionMnistData.require();
        Dataset train = Idx.fromDirectory(FASHION_MNIST, true);
        Dataset test = Idx.fromDirectory(FASHION_MNIST, false);
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        try (Backend cpu = Backends.create("cpu", BackendOptions.threads(2))) {
            trainAndCheck(train, test, TrainingContext.on(cpu));
        }
    }

    private static void trainAndCheck(Dataset train, Dataset test, TrainingContext context) {

        ResNet net = new ResNet(ResNetSpec.cifar(8).withInChannels(1));
        Initializers.kaiming(net, 42, false);
        DataLoader loader = DataLoader.training(train.subset(0, 5000), 32, Augmentation.NONE,
                Normalization.FASHION_MNIST, 42);
        int epochs = 2;
        Trainer trainer = new Trainer(net, Sgd.paper(net),
                LearningRateSchedule.cosine(0.1, epochs * loader.batchesPerEpoch(), 0), loader, context);
        DataLoader testLoader = DataLoader.evaluation(test.subset(0, 2000), 100, Normalization.FASHION_MNIST);
        long start = System.nanoTime();
        Trainer.EpochReport report = null;
        for (int e = 0; e < epochs; e++) {
            report = trainer.runEpoch(e == epochs - 1 ? testLoader : null);
            System.out.println("Fashion-MNIST 5000 images, resnet8, " + context.kernels().description() + ": " + report);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("test accuracy %.2f%% after %.1f s%n", 100 * (1 - report.testError()), seconds);
        assertTrue(1 - report.testError() >= MIN_TEST_ACCURACY, report.toString());
    }

    static final double MIN_TEST_ACCURACY = 0.72;
}
