package io.jresnet.models.image;

/**
 * Separable bilinear (triangle-filter) resampling with antialiasing, as PIL's {@code BILINEAR} and
 * torchvision's {@code Resize(antialias=True)}: when shrinking by a factor s, the triangle's support
 * widens to s source pixels so every source pixel contributes (no aliasing); when enlarging, it is
 * plain linear interpolation. Pixel centres sit at {@code i + 0.5}.
 */
final class Resampling {
    private Resampling() {}

    static float[] bilinear(float[] src, int w, int h, int newW, int newH) {
        if (w == newW && h == newH) return src.clone();
        float[] horizontal = new float[newW * h];
        Filter fx = new Filter(w, newW);
        for (int y = 0; y < h; y++) fx.apply(src, y * w, 1, horizontal, y * newW, 1);
        float[] out = new float[newW * newH];
        Filter fy = new Filter(h, newH);
        for (int x = 0; x < newW; x++) fy.apply(horizontal, x, newW, out, x, newW);
        return out;
    }

    /** Precomputed source ranges and normalised weights for one axis. */
    private static final class Filter {
        final int[] first;
        final float[][] weights;

        Filter(int in, int out) {
            double scale = (double) in / out;
            double support = Math.max(scale, 1.0); // triangle half-width in source pixels
            first = new int[out];
            weights = new float[out][];
            for (int o = 0; o < out; o++) {
                double centre = (o + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(centre - support));
                int hi = Math.min(in, (int) Math.ceil(centre + support));
                double[] w = new double[hi - lo];
                double sum = 0;
                for (int i = lo; i < hi; i++) {
                    double t = Math.abs((i + 0.5 - centre) / support);
                    w[i - lo] = Math.max(0, 1 - t);
                    sum += w[i - lo];
                }
                float[] fw = new float[w.length];
                for (int i = 0; i < w.length; i++) fw[i] = (float) (sum > 0 ? w[i] / sum : 0);
                if (sum == 0) fw[Math.min(w.length - 1, Math.max(0, (int) centre - lo))] = 1f;
                first[o] = lo;
                weights[o] = fw;
            }
        }

        void apply(float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
            for (int o = 0; o < first.length; o++) {
                float acc = 0;
                float[] w = weights[o];
                int base = srcOff + first[o] * srcStride;
                for (int i = 0; i < w.length; i++) acc += w[i] * src[base + i * srcStride];
                dst[dstOff + o * dstStride] = acc;
            }
        }
    }
}
