package io.jresnet.train.data;

import io.jresnet.JResnetException;

/**
 * Per-channel standardisation of pixels scaled to [0, 1]: {@code (p / 255 - mean[c]) / std[c]}.
 * Immutable (the arrays are copied in; do not change those the accessors return).
 *
 * @param mean each channel's mean, on the [0, 1] scale
 * @param std each channel's standard deviation, on the [0, 1] scale; positive
 */
public record Normalization(float[] mean, float[] std) {
    /** Fashion-MNIST training-set statistics. */
    public static final Normalization FASHION_MNIST = new Normalization(new float[] {0.2860f}, new float[] {0.3530f});
    /** CIFAR-10 training-set statistics. */
    public static final Normalization CIFAR10 = new Normalization(new float[] {0.4914f, 0.4822f, 0.4465f},
            new float[] {0.2470f, 0.2435f, 0.2616f});

    /** Checks one positive deviation per mean and copies the arrays. */
    public Normalization {
        if (mean.length != std.length) {
            throw new JResnetException("normalisation with " + mean.length + " means and " + std.length + " deviations");
        }
        for (float s : std) if (!(s > 0)) throw new JResnetException("normalisation deviation " + s + " is not positive");
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * {@return pixels scaled to [0, 1] and nothing else}
     *
     * @param channels the image channels
     */
    public static Normalization none(int channels) {
        float[] m = new float[channels], s = new float[channels];
        java.util.Arrays.fill(s, 1f);
        return new Normalization(m, s);
    }

    /**
     * {@return the mean and (population) standard deviation of each channel over the whole data set}
     *
     * @param d the data set
     */
    public static Normalization of(Dataset d) {
        int c = d.channels(), plane = d.height() * d.width();
        double[] sum = new double[c], sq = new double[c];
        byte[] px = d.pixels();
        for (int i = 0; i < d.size(); i++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (i * c + ch) * plane;
                long s = 0, ss = 0;
                for (int j = 0; j < plane; j++) {
                    int v = px[base + j] & 0xff;
                    s += v;
                    ss += v * v;
                }
                sum[ch] += s;
                sq[ch] += ss;
            }
        }
        float[] mean = new float[c], std = new float[c];
        double count = (double) d.size() * plane;
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / count / 255;
            mean[ch] = (float) m;
            std[ch] = (float) Math.max(Math.sqrt(Math.max(sq[ch] / count / (255.0 * 255.0) - m * m, 0)), 1e-6);
        }
        return new Normalization(mean, std);
    }

    /** {@return the number of channels} */
    public int channels() {
        return mean.length;
    }
}
