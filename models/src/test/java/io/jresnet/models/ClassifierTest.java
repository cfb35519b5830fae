package io.jresnet.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jresnet.backend.Backend;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.TrainingKernels;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.nn.ResNet;
import io.jresnet.plan.Plan;
import io.jresnet.reference.ReferenceBackend;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A classifier packs its weights once, whatever batch sizes it is given, and batches change no answer. */
class ClassifierTest {
    /** The reference backend, counting what it compiles. */
    static final class CountingBackend implements Backend {
        final ReferenceBackend ref = new ReferenceBackend();
        int compiles;

        @Override public String name() { return "counting"; }
        @Override public String device() { return ref.device(); }
        @Override public TrainingKernels newTrainingKernels() { return ref.newTrainingKernels(); }
        @Override public void close() { ref.close(); }

        @Override
        public CompiledModel compile(Plan plan) {
            compiles++;
            return ref.compile(plan);
        }
    }

    private static List<BufferedImage> images(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, r.nextInt(1 << 24));
            out.add(img);
        }
        return out;
    }

    @Test
    void oneCompileServesEveryBatchSizeWithTheSameAnswers() {
        ResNet net = Zoo.build("resnet20", 5);
        List<BufferedImage> all = images(7, 1);
        CountingBackend counting = new CountingBackend();
        List<List<Classifier.Prediction>> batched = new ArrayList<>();
        try (Classifier c = new Classifier(net::toGraph, Preprocessing.CIFAR10, List.of(), counting, true)) {
            batched.addAll(c.classifyImages(all.subList(0, 2), 3)); // plans for batch 2
            batched.addAll(c.classifyImages(all.subList(2, 7), 3)); // 5 images: chunks of 2, 2 and 1
        }
        assertEquals(1, counting.compiles, "the weights were packed more than once");
        try (Classifier single = new Classifier(net::toGraph, Preprocessing.CIFAR10, List.of(), new ReferenceBackend(), true)) {
            for (int i = 0; i < all.size(); i++) {
                List<Classifier.Prediction> alone = single.classifyImages(List.of(all.get(i)), 3).getFirst();
                for (int j = 0; j < 3; j++) {
                    assertEquals(alone.get(j).index(), batched.get(i).get(j).index(), "image " + i + " rank " + j);
                    assertEquals(alone.get(j).probability(), batched.get(i).get(j).probability(), 1e-5, "image " + i);
                }
            }
        }
    }
}
