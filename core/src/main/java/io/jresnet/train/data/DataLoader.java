package io.jresnet.train.data;

import io.jresnet.JResnetException;
import io.jresnet.tensor.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Mini-batches of a {@link Dataset} as float tensors: shuffled per epoch, augmented, normalised.
 * Everything random derives from {@code seed} and the epoch number, so epoch {@code e} yields the same
 * batches however many epochs ran before it (a resumed run sees the data a continuous run would). Not thread-safe: iterate one epoch at a time.
 */
public final class DataLoader {
    private final Dataset data;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final Augmentation augmentation;
    private final Normalization normalization;
    private final long seed;

    /**
     * One mini-batch.
     *
     * @param images {@code [n, c, h, w]}, normalised (and augmented for training)
     * @param labels the images' labels
     * @param indices the images' indices in the data set
     */
    public record Batch(Tensor images, int[] labels, int[] indices) {
        /** {@return the number of images} */
        public int size() {
            return labels.length;
        }
    }

    /**
     * A loader; {@link #training} and {@link #evaluation} make the usual two.
     *
     * @param data the data set
     * @param batchSize images per batch
     * @param shuffle whether each epoch shuffles the order
     * @param dropLast whether a last, smaller batch is left out
     * @param augmentation what to apply to each image
     * @param normalization what to standardise the pixels with
     * @param seed the seed of every random choice
     * @throws io.jresnet.JResnetException for a batch size below 1 or a normalisation of another
     *     channel count
     */
    public DataLoader(Dataset data, int batchSize, boolean shuffle, boolean dropLast, Augmentation augmentation,
                      Normalization normalization, long seed) {
        if (batchSize < 1) throw new JResnetException("batch size " + batchSize + " < 1");
        if (normalization.channels() != data.channels()) {
            throw new JResnetException("normalisation for " + normalization.channels() + " channels, data set " + data
                    + " has " + data.channels());
        }
        this.data = data;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.augmentation = augmentation;
        this.normalization = normalization;
        this.seed = seed;
    }

    /**
     * {@return a loader for training: shuffled, augmented, partial last batch dropped (BN needs more than
     * one image)}
     *
     * @param data the data set
     * @param batchSize images per batch
     * @param augmentation what to apply to each image
     * @param norm what to standardise the pixels with
     * @param seed the seed of every random choice
     */
    public static DataLoader training(Dataset data, int batchSize, Augmentation augmentation, Normalization norm,
                                      long seed) {
        return new DataLoader(data, batchSize, true, true, augmentation, norm, seed);
    }

    /**
     * {@return a loader for evaluation: in order, no augmentation, every image}
     *
     * @param data the data set
     * @param batchSize images per batch
     * @param norm what to standardise the pixels with
     */
    public static DataLoader evaluation(Dataset data, int batchSize, Normalization norm) {
        return new DataLoader(data, batchSize, false, false, Augmentation.NONE, norm, 0);
    }

    /** {@return the data set} */
    public Dataset data() {
        return data;
    }

    /** {@return the images per batch} */
    public int batchSize() {
        return batchSize;
    }

    /** {@return the batches in one epoch} */
    public int batchesPerEpoch() {
        return dropLast ? data.size() / batchSize : (data.size() + batchSize - 1) / batchSize;
    }

    /**
     * {@return the batches of one epoch}
     *
     * @param epoch the epoch, from 0
     */
    public Iterable<Batch> epoch(int epoch) {
        return () -> batches(epoch);
    }

    private Iterator<Batch> batches(int epoch) {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (shuffle) {
            for (int i = order.length - 1; i > 0; i--) { // Fisher-Yates
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        int batches = batchesPerEpoch();
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batches;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException();
                int from = next++ * batchSize, n = Math.min(batchSize, order.length - from);
                int[] idx = new int[n], labels = new int[n];
                for (int i = 0; i < n; i++) {
                    idx[i] = order[from + i];
                    labels[i] = data.label(idx[i]);
                }
                return new Batch(images(idx, rng), labels, idx);
            }
        };
    }

    private Tensor images(int[] idx, SplittableRandom rng) {
        int c = data.channels(), h = data.height(), w = data.width(), pad = augmentation.padding();
        Tensor t = Tensor.zeros(idx.length, c, h, w);
        float[] out = t.array();
        byte[] px = data.pixels();
        for (int i = 0; i < idx.length; i++) {
            int dy = pad == 0 ? 0 : rng.nextInt(2 * pad + 1) - pad; // crop offset in the padded image, minus pad
            int dx = pad == 0 ? 0 : rng.nextInt(2 * pad + 1) - pad;
            boolean flip = augmentation.horizontalFlip() && rng.nextBoolean();
            for (int ch = 0; ch < c; ch++) {
                float scale = 1f / (255f * normalization.std()[ch]);
                float shift = -normalization.mean()[ch] / normalization.std()[ch];
                int src = (idx[i] * c + ch) * h * w, dst = (i * c + ch) * h * w;
                for (int y = 0; y < h; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < w; x++) {
                        int sx = (flip ? w - 1 - x : x) + dx;
                        int raw = sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : px[src + sy * w + sx] & 0xff;
                        out[dst + y * w + x] = raw * scale + shift;
                    }
                }
            }
            // Drawn only when erasing is on, so the crops and flips of a run without it stay as they were.
            if (augmentation.erasing() > 0 && rng.nextDouble() < augmentation.erasing()) {
                erase(out, i * c * h * w, c, h, w, rng);
            }
        }
        return t;
    }

    /**
     * Random erasing (Zhong et al., Algorithm 1): draws an area share and a log-uniform aspect ratio
     * until the rectangle fits, then fills it, in every channel, with random raw pixels, normalised.
     */
    private void erase(float[] out, int imageStart, int c, int h, int w, SplittableRandom rng) {
        double logAspect = Math.log(Augmentation.ERASE_MIN_ASPECT);
        for (int attempt = 0; attempt < Augmentation.ERASE_ATTEMPTS; attempt++) {
            double area = h * w * rng.nextDouble(Augmentation.ERASE_MIN_AREA, Augmentation.ERASE_MAX_AREA);
            double aspect = Math.exp(rng.nextDouble(logAspect, -logAspect));
            int eh = (int) Math.round(Math.sqrt(area * aspect)), ew = (int) Math.round(Math.sqrt(area / aspect));
            if (eh < 1 || ew < 1 || eh > h || ew > w) continue;
            int y0 = rng.nextInt(h - eh + 1), x0 = rng.nextInt(w - ew + 1);
            for (int ch = 0; ch < c; ch++) {
                float scale = 1f / (255f * normalization.std()[ch]);
                float shift = -normalization.mean()[ch] / normalization.std()[ch];
                int plane = imageStart + ch * h * w;
                for (int y = y0; y < y0 + eh; y++) {
                    for (int x = x0; x < x0 + ew; x++) out[plane + y * w + x] = rng.nextInt(256) * scale + shift;
                }
            }
            return;
        }
    }
}
