package io.jresnet.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batching, shuffling, normalisation and augmentation of the loader. */
class TrainDataLoaderTest {
    /** 10 images of 1x2x3, image i has pixels 10*i + (0..5), label i % 3. */
    private static Dataset tiny() {
        byte[] px = new byte[60];
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            labels[i] = i % 3;
            for (int j = 0; j < 6; j++) px[i * 6 + j] = (byte) (10 * i + j);
        }
        return new Dataset("tiny", px, labels, 1, 2, 3, 3);
    }

    private static List<Integer> order(DataLoader l, int epoch) {
        List<Integer> all = new ArrayList<>();
        for (DataLoader.Batch b : l.epoch(epoch)) for (int i : b.indices()) all.add(i);
        return all;
    }

    @Test
    void shufflesEachEpochDeterministicallyAndDropsThePartialBatch() {
        DataLoader l = DataLoader.training(tiny(), 4, Augmentation.NONE, Normalization.none(1), 5);
        assertEquals(2, l.batchesPerEpoch());
        List<Integer> e0 = order(l, 0), e1 = order(l, 1);
        assertEquals(8, e0.size());
        assertEquals(8, e0.stream().distinct().count());
        assertEquals(e0, order(l, 0), "same seed and epoch, same order");
        assertFalse(e0.equals(e1), "another epoch, another order");
        assertEquals(e0, order(DataLoader.training(tiny(), 4, Augmentation.NONE, Normalization.none(1), 5), 0));
    }

    @Test
    void evaluationKeepsOrderAndEveryImageAndNormalises() {
        Normalization norm = new Normalization(new float[] {0.1f}, new float[] {0.5f});
        DataLoader l = DataLoader.evaluation(tiny(), 4, norm);
        assertEquals(3, l.batchesPerEpoch());
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), order(l, 0));
        DataLoader.Batch last = null;
        for (DataLoader.Batch b : l.epoch(0)) last = b;
        assertEquals(2, last.size());
        assertArrayEquals(new int[] {2, 0}, last.labels());
        // image 8, pixel (1, 2) = 85: (85/255 - 0.1) / 0.5
        assertEquals((85 / 255f - 0.1f) / 0.5f, last.images().get(0, 0, 1, 2), 1e-6);
    }

    @Test
    void cropAndFlipMoveEveryPixelOfTheImageOrFillWithBlack() {
        DataLoader l = DataLoader.training(tiny(), 10, new Augmentation(1, true), Normalization.none(1), 9);
        int moved = 0;
        for (int epoch = 0; epoch < 4; epoch++) {
            DataLoader.Batch b = l.epoch(epoch).iterator().next();
            for (int i = 0; i < b.size(); i++) {
                int img = b.indices()[i];
                float[] got = new float[6];
                for (int y = 0; y < 2; y++) for (int x = 0; x < 3; x++) got[y * 3 + x] = b.images().get(i, 0, y, x) * 255;
                for (int j = 0; j < 6; j++) if (Math.round(got[j]) != 10 * img + j) moved++;
                // every value is black padding or a pixel of this image
                for (float v : got) {
                    int p = Math.round(v);
                    assertEquals(true, p == 0 || (p >= 10 * img && p < 10 * img + 6), "image " + img + ": " + Arrays.toString(got));
                }
            }
        }
        assertEquals(true, moved > 40, "augmentation moved only " + moved + " of 240 pixels");
    }

    @Test
    void randomErasingFillsOneRectangleOfThePapersSizeInHalfTheImages() {
        int n = 400, c = 2, h = 20, w = 20;
        byte[] px = new byte[n * c * h * w];
        Arrays.fill(px, (byte) 100);
        Dataset grey = new Dataset("grey", px, new int[n], c, h, w, 1);
        DataLoader l = DataLoader.training(grey, n, new Augmentation(0, false, 0.5), Normalization.none(c), 3);
        DataLoader.Batch b = l.epoch(0).iterator().next();
        int erased = 0;
        for (int i = 0; i < n; i++) {
            // the bounding box of the changed pixels, in every channel
            int y0 = h, y1 = -1, x0 = w, x1 = -1, changed = 0;
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float v = b.images().get(i, ch, y, x) * 255;
                        assertEquals(true, v >= -0.01f && v <= 255.01f && Math.abs(v - Math.round(v)) < 1e-3,
                                "a raw pixel value, found " + v);
                        if (Math.round(v) != 100) {
                            changed++;
                            y0 = Math.min(y0, y); y1 = Math.max(y1, y); x0 = Math.min(x0, x); x1 = Math.max(x1, x);
                        }
                    }
                }
            }
            if (changed == 0) continue;
            erased++;
            int boxArea = (y1 - y0 + 1) * (x1 - x0 + 1);
            // random values equal the old pixel 1 time in 256, so nearly the whole box changed, in both channels
            assertEquals(true, changed >= 0.9 * c * boxArea, "image " + i + ": " + changed + " of " + c * boxArea);
            // the rounded rectangle covers 2-40% of the image, give or take a rounded row and column
            assertEquals(true, boxArea >= 0.02 * h * w - 1 && boxArea <= 0.4 * h * w + h + w + 1,
                    "image " + i + ": erased area " + boxArea);
        }
        // probability 1/2 over 400 images: 200 +- 10 standard deviations would be 100..300
        assertEquals(true, erased > 150 && erased < 250, "erased " + erased + " of " + n);
        DataLoader none = DataLoader.training(grey, n, new Augmentation(0, false), Normalization.none(c), 3);
        for (float v : none.epoch(0).iterator().next().images().array()) assertEquals(100, Math.round(v * 255));
    }

    @Test
    void erasingDrawsAfterCropAndFlipSoRunsWithoutItKeepTheirImages() {
        DataLoader plain = DataLoader.training(tiny(), 10, new Augmentation(1, true), Normalization.none(1), 9);
        DataLoader zero = DataLoader.training(tiny(), 10, new Augmentation(1, true, 0), Normalization.none(1), 9);
        assertArrayEquals(plain.epoch(2).iterator().next().images().array(),
                zero.epoch(2).iterator().next().images().array());
    }

    @Test
    void normalizationOfADataSet() {
        Normalization n = Normalization.of(tiny());
        double mean = 0;
        for (int i = 0; i < 10; i++) for (int j = 0; j < 6; j++) mean += (10 * i + j) / 255.0;
        mean /= 60;
        assertEquals(mean, n.mean()[0], 1e-6);
        double var = 0;
        for (int i = 0; i < 10; i++) for (int j = 0; j < 6; j++) var += Math.pow((10 * i + j) / 255.0 - mean, 2);
        assertEquals(Math.sqrt(var / 60), n.std()[0], 1e-6);
    }
}
