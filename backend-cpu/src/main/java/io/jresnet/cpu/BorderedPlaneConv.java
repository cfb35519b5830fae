package io.jresnet.cpu;

import io.jresnet.backend.TrainingKernels.ConvGeometry;
import io.jresnet.reference.Gemm;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Training's 3x3 convolutions with stride 1 and padding 1 (all but the strided ones in a CIFAR
 * ResNet) without im2col. A chunk of images is copied into planes with a one-pixel zero border
 * (shared between neighbouring rows and images: {@link Layout}), {@code W = w + 1} wide, laid end to
 * end channel by channel. In that flattened layout tap
 * {@code t = (ky, kx)} of the output at position {@code q} reads the input at {@code q + off(t)},
 * {@code off(t) = (ky - 1) * W + (kx - 1)}, so each of the three products is nine shifted
 * multiply-adds over contiguous memory, vectorised along the positions:
 * <pre>
 *   forward        Y[o, q]     = sum_{c, t} W[o, c, t] · X[c, q + off(t)]
 *   input gradient dX[c, q]   += sum_{o, t} W[o, c, 8 - t] · dY[o, q + off(t)]   (off(8 - t) = -off(t))
 *   weight         dW[o, c, t] += sum_q dY[o, q] · X[c, q + off(t)]               (dY zero on the border)
 * </pre>
 * Results at border positions are computed and dropped; the border makes every real position's
 * taps land inside its own image. No column matrix is written and read back, and nothing is packed:
 * the ops im2col, GEMM packing and col2im took most of a step's time on CIFAR-sized layers, whose 16
 * to 64 output channels reuse each packed column only a few times.
 *
 * <p>Work is split as {@code GemmConv} splits it: one contiguous range of images per thread of the
 * pool, each thread with its own bordered buffers and weight-gradient part, the parts summed in a
 * fixed order at the end (results do not depend on timing). Not thread-safe: the scratch is reused
 * from call to call.
 */
final class BorderedPlaneConv {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;
    private static final int L = F.length();
    /**
     * Output channels per register tile of the forward and input-gradient kernel, with
     * {@link #TILE_VECTORS} vectors of positions: 4 x 3 = 12 accumulators at 128 and 256 bits (room
     * for AVX2's 16 registers, {@link #multiplyShifted}), 8 x 3 = 24 at 512 bits ({@link
     * #multiplyShifted8}), which loads each shifted input vector once for 8 FMAs instead of 4. On
     * Zen 5 (2026-12-02, {@code TrainingThroughput}, batch 128, 2 threads, JVMs alternating) the 8-channel
     * tile trained ResNet-20 3-10% faster in each of four pairs of runs and ResNet-56 12-17% faster;
     * on the Xeon of the same day it had measured no faster. Both sum each output in the same order,
     * so the results are the same to the bit.
     */
    private static final int TILE_CHANNELS = L >= 16 ? 8 : 4;
    /** Vectors of positions per register tile. */
    private static final int TILE_VECTORS = 3;
    /**
     * The smallest plane (pixels) whose weight gradient is computed here: on smaller planes the border
     * is a growing share of the positions swept (7x7: 15 of 64; 3x3: 7 of 16), and 7x7 is the smallest
     * measured. In one process ({@code TrainingConvAB}: ResNet-20's shapes, batch 128, 2 threads,
     * 2026-12-02, Xeon, AVX-512), bordered / GEMM time 0.40 at 28x28, 0.64 at 14x14, 0.80 at 7x7.
     */
    static final int MIN_WEIGHT_GRADIENT_PIXELS = 7 * 7;
    /** Positions per plane a chunk of images aims for, so small late-stage planes still give long sweeps. */
    static final int TARGET_POSITIONS = 8192;

    private final Gemm pool;
    private final Scratch[] scratch;
    /** The weights as the shifted multiply reads them, reused from call to call (a step allocates nothing of the network's size). */
    private float[] tileWeights = new float[0];

    /** One thread's buffers; contents undefined between calls. */
    private static final class Scratch {
        /** The input, bordered. */
        float[] in = new float[0];
        /** The output gradient, bordered. */
        float[] grad = new float[0];
        /** A kernel's bordered output (forward: Y, backward: dX): its border positions hold garbage. */
        float[] out = new float[0];
        float[] weightGrad = new float[0];
        float[] biasGrad = new float[0];
        /** The weight gradient's tap sums of two output channels, as vectors, before their lanes are added. */
        final float[] tapSums = new float[18 * L];

        static float[] atLeast(float[] a, int size) {
            return a.length >= size ? a : new float[size];
        }
    }

    /** @param pool whose threads split the batch */
    BorderedPlaneConv(Gemm pool) {
        this.pool = pool;
        this.scratch = new Scratch[Math.max(1, pool.threads())];
        for (int i = 0; i < scratch.length; i++) scratch[i] = new Scratch();
    }

    /** Whether this class computes {@code g}: a 3x3 kernel, stride 1, padding 1. */
    static boolean handles(ConvGeometry g) {
        return g.r() == 3 && g.stride() == 1 && g.pad() == 1;
    }

    /**
     * The bordered layout of one call: plane geometry and the chunk of images. Borders are shared: a
     * row is {@code w} pixels and one zero, which is both its right border and the next row's left
     * one, and an image is a zero row and {@code h} such rows, the zero row also the previous image's
     * bottom border. So a 7x7 plane takes 8 x 8 positions, not 9 x 9, and 28x28 takes 29 x 29.
     */
    private record Layout(int h, int w, int chunk) {
        int width() {
            return w + 1;
        }

        /** Floats of one image's bordered plane: a zero row, then {@code h} rows. */
        int plane() {
            return (h + 1) * width();
        }

        /**
         * Zeros after each channel's run: the last image's bottom border, and room for the writes of a
         * last register tile that runs past the run (they would otherwise land on the next channel's
         * results).
         */
        int gap() {
            return Math.max(TILE_VECTORS * L, width() + 1);
        }

        /** Distance between two channels' runs of {@link #chunk} planes. */
        int channelStride() {
            return chunk * plane() + gap();
        }

        /** Index of the first float of channel 0's run: a margin for the read one position before it. */
        int start() {
            return L;
        }

        /** Floats of a buffer for {@code channels}: margins on both sides for shifted and rounded-up reads. */
        int floats(int channels) {
            return start() + channels * channelStride() + TILE_VECTORS * L + width() + 2;
        }

        /** Position (from a channel's run start) of image {@code i}'s first real pixel. */
        int first(int i) {
            return i * plane() + width();
        }

        /** Positions from the first real pixel of image 0 to just past the last real pixel of image {@code images - 1}. */
        int span(int images) {
            return (images - 1) * plane() + (h - 1) * width() + w;
        }

        /** {@code off(t)} for the nine taps. */
        int[] offsets() {
            int[] off = new int[9];
            for (int t = 0; t < 9; t++) off[t] = (t / 3 - 1) * width() + (t % 3 - 1);
            return off;
        }
    }

    private static Layout layout(ConvGeometry g, int images) {
        int plane = (g.h() + 1) * (g.w() + 1);
        return new Layout(g.h(), g.w(), Math.max(1, Math.min(images, (TARGET_POSITIONS + plane - 1) / plane)));
    }

    private void parallel(Gemm.Task task) {
        if (scratch.length == 1) task.run(0, 1);
        else pool.parallel(task);
    }

    /** {@code y = conv(x, wt) + bias}, {@code y} overwritten; see the class comment. */
    void forward(ConvGeometry g, float[] x, int xOff, float[] wt, float[] bias, float[] y) {
        int n = g.n(), c = g.c(), k = g.k(), hw = g.h() * g.w();
        int tiles = (k + TILE_CHANNELS - 1) / TILE_CHANNELS;
        float[] weights = tileWeights = zeroed(tileWeights, tiles * TILE_CHANNELS * c * 9); // [o, c, t], zero rows past k
        System.arraycopy(wt, 0, weights, 0, k * c * 9);
        parallel((worker, workers) -> {
            int b0 = WorkerPool.from(n, worker, workers), b1 = WorkerPool.from(n, worker + 1, workers);
            if (b0 == b1) return;
            Layout lay = layout(g, b1 - b0);
            Scratch s = scratch[worker];
            s.in = zeroed(s.in, lay.floats(c));
            s.out = Scratch.atLeast(s.out, lay.floats(tiles * TILE_CHANNELS));
            int[] off = lay.offsets();
            for (int b = b0; b < b1; b += lay.chunk()) {
                int images = Math.min(lay.chunk(), b1 - b);
                border(x, xOff, b, images, c, lay, s.in);
                if (TILE_CHANNELS == 8) multiplyShifted8(s.in, c, weights, off, s.out, tiles, lay, images);
                else multiplyShifted(s.in, c, weights, off, s.out, tiles, lay, images);
                for (int i = 0; i < images; i++) {
                    for (int o = 0; o < k; o++) {
                        unborder(s.out, lay.start() + o * lay.channelStride() + lay.first(i), lay, bias, o, y,
                                ((b + i) * k + o) * hw);
                    }
                }
            }
        });
    }

    /** Adds the gradients of {@code x} (into {@code dx}), {@code wt} (into {@code dw}) and the bias (into {@code dbias}); each may be null. */
    void backward(ConvGeometry g, float[] x, int xOff, float[] wt, float[] dy, float[] dx, float[] dw, float[] dbias) {
        int n = g.n(), c = g.c(), k = g.k(), hw = g.h() * g.w();
        int tiles = (c + TILE_CHANNELS - 1) / TILE_CHANNELS;
        float[] flipped = null; // [c, o, 8 - t]: the input gradient is a forward convolution of dY with it
        if (dx != null) {
            flipped = tileWeights = zeroed(tileWeights, tiles * TILE_CHANNELS * k * 9);
            for (int o = 0; o < k; o++) {
                for (int ci = 0; ci < c; ci++) {
                    for (int t = 0; t < 9; t++) flipped[(ci * k + o) * 9 + 8 - t] = wt[(o * c + ci) * 9 + t];
                }
            }
        }
        float[] transposed = flipped;
        parallel((worker, workers) -> {
            int b0 = WorkerPool.from(n, worker, workers), b1 = WorkerPool.from(n, worker + 1, workers);
            if (b0 == b1) return;
            Layout lay = layout(g, b1 - b0);
            Scratch s = scratch[worker];
            int[] off = lay.offsets();
            // Zeroed once per call: only real positions are written afterwards, so the borders stay zero.
            float[] gradient = s.grad = zeroed(s.grad, lay.floats(k));
            float[] input = dw == null ? null : (s.in = zeroed(s.in, lay.floats(c)));
            float[] inputGradient = dx == null ? null : (s.out = Scratch.atLeast(s.out, lay.floats(tiles * TILE_CHANNELS)));
            float[] dwPart = dw == null ? null : (s.weightGrad = zeroed(s.weightGrad, k * c * 9));
            float[] dbPart = dbias == null ? null : (s.biasGrad = zeroed(s.biasGrad, k));
            for (int b = b0; b < b1; b += lay.chunk()) {
                int images = Math.min(lay.chunk(), b1 - b);
                border(dy, 0, b, images, k, lay, gradient);
                if (dbPart != null) {
                    for (int i = 0; i < images; i++) {
                        for (int o = 0; o < k; o++) {
                            double sum = 0;
                            for (int p = ((b + i) * k + o) * hw, end = p + hw; p < end; p++) sum += dy[p];
                            dbPart[o] += (float) sum;
                        }
                    }
                }
                if (dwPart != null) {
                    if (images < lay.chunk()) { // the sweep's last vector may reach the first pixels of the unused next slot
                        for (int o = 0; o < k; o++) {
                            int slot = lay.start() + o * lay.channelStride() + lay.first(images);
                            Arrays.fill(gradient, slot, slot + L, 0f);
                        }
                    }
                    border(x, xOff, b, images, c, lay, input);
                    weightGradient(gradient, k, input, c, off, dwPart, lay, images, s.tapSums);
                }
                if (inputGradient != null) {
                    if (TILE_CHANNELS == 8) multiplyShifted8(gradient, k, transposed, off, inputGradient, tiles, lay, images);
                    else multiplyShifted(gradient, k, transposed, off, inputGradient, tiles, lay, images);
                    for (int i = 0; i < images; i++) {
                        for (int ci = 0; ci < c; ci++) {
                            int src = lay.start() + ci * lay.channelStride() + lay.first(i), dst = ((b + i) * c + ci) * hw;
                            for (int row = 0; row < g.h(); row++, src += lay.width(), dst += g.w()) {
                                for (int j = 0; j < g.w(); j++) dx[dst + j] += inputGradient[src + j];
                            }
                        }
                    }
                }
            }
        });
        for (int t = 0; t < scratch.length; t++) {
            if (WorkerPool.from(n, t, scratch.length) == WorkerPool.from(n, t + 1, scratch.length)) continue; // no images, no part
            if (dw != null) {
                float[] part = scratch[t].weightGrad;
                for (int i = 0; i < k * c * 9; i++) dw[i] += part[i];
            }
            if (dbias != null) {
                float[] part = scratch[t].biasGrad;
                for (int o = 0; o < k; o++) dbias[o] += part[o];
            }
        }
    }

    /** {@code a} with its first {@code size} floats zeroed, or a new zero array where {@code a} is shorter. */
    static float[] zeroed(float[] a, int size) {
        if (a.length < size) return new float[size];
        Arrays.fill(a, 0, size, 0f);
        return a;
    }

    /**
     * Copies images {@code [b, b + images)} of an NCHW tensor into the bordered buffer's real positions.
     * Each row goes as whole vectors, {@code ceil(w / L)} of them, which write past the row: into its
     * border float, which is zeroed again, and into the next rows, which their own copies overwrite
     * (their borders zeroed again in turn). After an image's last row the spill beyond its border, at
     * most {@code L - 1} floats into the next image's zero row (or the run's gap), is zeroed. Rows whose
     * vectors would read past {@code src} go float by float. Whole vectors with no tail loop cost less
     * than the exact copy on rows of 7-28 floats, where the copy was a tenth of a ResNet-56 step.
     */
    private static void border(float[] src, int srcOff, int b, int images, int channels, Layout lay, float[] dst) {
        int h = lay.h(), w = lay.w(), whole = (w + L - 1) / L * L, lastVectorRead = src.length - whole;
        for (int ch = 0; ch < channels; ch++) {
            for (int i = 0; i < images; i++) {
                int from = srcOff + ((b + i) * channels + ch) * h * w;
                int to = lay.start() + ch * lay.channelStride() + lay.first(i);
                for (int row = 0; row < h; row++, from += w, to += lay.width()) {
                    if (from <= lastVectorRead) {
                        for (int j = 0; j < whole; j += L) FloatVector.fromArray(F, src, from + j).intoArray(dst, to + j);
                    } else {
                        for (int j = 0; j < w; j++) dst[to + j] = src[from + j];
                    }
                    dst[to + w] = 0f; // an earlier row's spill may have reached it
                }
                int lastRow = to - lay.width();
                Arrays.fill(dst, lastRow + w + 1, Math.max(lastRow + w + 1, lastRow + whole), 0f);
            }
        }
    }

    /**
     * Copies one output channel's plane out of the bordered buffer, from position {@code from} (its
     * first real pixel) to {@code dst[to, to + h * w)}, adding {@code bias[channel]} when there is a
     * bias. Whole vectors per row where they end inside the plane (the spill is overwritten by the next
     * rows); the rows near the plane's end go float by float, so nothing past the plane is written:
     * it may be another thread's. Without a bias it is a plain copy, so -0.0 results keep their sign.
     */
    private static void unborder(float[] src, int from, Layout lay, float[] bias, int channel, float[] dst, int to) {
        int h = lay.h(), w = lay.w(), whole = (w + L - 1) / L * L, planeEnd = to + h * w;
        for (int row = 0; row < h; row++, from += lay.width(), to += w) {
            if (to + whole <= planeEnd) {
                if (bias == null) {
                    for (int j = 0; j < whole; j += L) FloatVector.fromArray(F, src, from + j).intoArray(dst, to + j);
                } else {
                    float bo = bias[channel];
                    for (int j = 0; j < whole; j += L) FloatVector.fromArray(F, src, from + j).add(bo).intoArray(dst, to + j);
                }
            } else if (bias == null) {
                for (int j = 0; j < w; j++) dst[to + j] = src[from + j];
            } else {
                float bo = bias[channel];
                for (int j = 0; j < w; j++) dst[to + j] = src[from + j] + bo;
            }
        }
    }

    /**
     * {@code out[o, q] = sum_{i < inChannels, t < 9} weights[(o * inChannels + i) * 9 + t] · in[i, q + off[t]]}
     * for the positions of {@code images} images, {@code tiles * 4} output channels: tiles of 4 channels
     * x 3 vectors, 12 accumulators ({@link #multiplyShifted8} is the same with 8 channels). Positions
     * are taken in whole tiles of vectors: the last tile runs into the gap after the run, whose
     * results nobody reads.
     */
    private static void multiplyShifted(float[] in, int inChannels, float[] weights, int[] off, float[] out, int tiles,
                                        Layout lay, int images) {
        int stride = lay.channelStride(), first = lay.start() + lay.first(0), span = lay.span(images);
        int step = TILE_VECTORS * L, perChannel = inChannels * 9;
        for (int q = 0; q < span; q += step) {
            int at = first + q;
            for (int tile = 0; tile < tiles; tile++) {
                FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
                FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
                int w0 = tile * 4 * perChannel;
                for (int i = 0; i < inChannels; i++) {
                    int base = at + i * stride, wi = w0 + i * 9;
                    for (int t = 0; t < 9; t++) {
                        int p = base + off[t];
                        FloatVector x0 = FloatVector.fromArray(F, in, p);
                        FloatVector x1 = FloatVector.fromArray(F, in, p + L);
                        FloatVector x2 = FloatVector.fromArray(F, in, p + 2 * L);
                        FloatVector v = FloatVector.broadcast(F, weights[wi + t]);
                        a00 = x0.fma(v, a00);
                        a01 = x1.fma(v, a01);
                        a02 = x2.fma(v, a02);
                        v = FloatVector.broadcast(F, weights[wi + perChannel + t]);
                        a10 = x0.fma(v, a10);
                        a11 = x1.fma(v, a11);
                        a12 = x2.fma(v, a12);
                        v = FloatVector.broadcast(F, weights[wi + 2 * perChannel + t]);
                        a20 = x0.fma(v, a20);
                        a21 = x1.fma(v, a21);
                        a22 = x2.fma(v, a22);
                        v = FloatVector.broadcast(F, weights[wi + 3 * perChannel + t]);
                        a30 = x0.fma(v, a30);
                        a31 = x1.fma(v, a31);
                        a32 = x2.fma(v, a32);
                    }
                }
                int o = lay.start() + tile * 4 * stride + lay.first(0) + q;
                a00.intoArray(out, o);
                a01.intoArray(out, o + L);
                a02.intoArray(out, o + 2 * L);
                o += stride;
                a10.intoArray(out, o);
                a11.intoArray(out, o + L);
                a12.intoArray(out, o + 2 * L);
                o += stride;
                a20.intoArray(out, o);
                a21.intoArray(out, o + L);
                a22.intoArray(out, o + 2 * L);
                o += stride;
                a30.intoArray(out, o);
                a31.intoArray(out, o + L);
                a32.intoArray(out, o + 2 * L);
            }
        }
    }

    /** {@link #multiplyShifted} with tiles of 8 channels x 3 vectors, 24 accumulators, for AVX-512's 32 registers. */
    private static void multiplyShifted8(float[] in, int inChannels, float[] weights, int[] off, float[] out, int tiles,
                                         Layout lay, int images) {
        int stride = lay.channelStride(), first = lay.start() + lay.first(0), span = lay.span(images);
        int step = TILE_VECTORS * L, perChannel = inChannels * 9;
        for (int q = 0; q < span; q += step) {
            int at = first + q;
            for (int tile = 0; tile < tiles; tile++) {
                FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
                FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
                FloatVector a40 = a00, a41 = a00, a42 = a00, a50 = a00, a51 = a00, a52 = a00;
                FloatVector a60 = a00, a61 = a00, a62 = a00, a70 = a00, a71 = a00, a72 = a00;
                int w0 = tile * 8 * perChannel;
                for (int i = 0; i < inChannels; i++) {
                    int base = at + i * stride, wi = w0 + i * 9;
                    for (int t = 0; t < 9; t++) {
                        int p = base + off[t];
                        FloatVector x0 = FloatVector.fromArray(F, in, p);
                        FloatVector x1 = FloatVector.fromArray(F, in, p + L);
                        FloatVector x2 = FloatVector.fromArray(F, in, p + 2 * L);
                        FloatVector v = FloatVector.broadcast(F, weights[wi + t]);
                        a00 = x0.fma(v, a00);
                        a01 = x1.fma(v, a01);
                        a02 = x2.fma(v, a02);
                        v = FloatVector.broadcast(F, weights[wi + perChannel + t]);
                        a10 = x0.fma(v, a10);
                        a11 = x1.fma(v, a11);
                        a12 = x2.fma(v, a12);
                        v = FloatVector.broadcast(F, weights[wi + 2 * perChannel + t]);
                        a20 = x0.fma(v, a20);
                        a21 = x1.fma(v, a21);
                        a22 = x2.fma(v, a22);
                        v = FloatVector.broadcast(F, weights[wi + 3 * perChannel + t]);
                        a30 = x0.fma(v, a30);
                        a31 = x1.fma(v, a31);
                        a32 = x2.fma(v, a32);
                        v = FloatVector.broadcast(F, weights[wi + 4 * perChannel + t]);
                        a40 = x0.fma(v, a40);
                        a41 = x1.fma(v, a41);
                        a42 = x2.fma(v, a42);
                        v = FloatVector.broadcast(F, weights[wi + 5 * perChannel + t]);
                        a50 = x0.fma(v, a50);
                        a51 = x1.fma(v, a51);
                        a52 = x2.fma(v, a52);
                        v = FloatVector.broadcast(F, weights[wi + 6 * perChannel + t]);
                        a60 = x0.fma(v, a60);
                        a61 = x1.fma(v, a61);
                        a62 = x2.fma(v, a62);
                        v = FloatVector.broadcast(F, weights[wi + 7 * perChannel + t]);
                        a70 = x0.fma(v, a70);
                        a71 = x1.fma(v, a71);
                        a72 = x2.fma(v, a72);
                    }
                }
                int o = lay.start() + tile * 8 * stride + lay.first(0) + q;
                a00.intoArray(out, o);
                a01.intoArray(out, o + L);
                a02.intoArray(out, o + 2 * L);
                o += stride;
                a10.intoArray(out, o);
                a11.intoArray(out, o + L);
                a12.intoArray(out, o + 2 * L);
                o += stride;
                a20.intoArray(out, o);
                a21.intoArray(out, o + L);
                a22.intoArray(out, o + 2 * L);
                o += stride;
                a30.intoArray(out, o);
                a31.intoArray(out, o + L);
                a32.intoArray(out, o + 2 * L);
                o += stride;
                a40.intoArray(out, o);
                a41.intoArray(out, o + L);
                a42.intoArray(out, o + 2 * L);
                o += stride;
                a50.intoArray(out, o);
                a51.intoArray(out, o + L);
                a52.intoArray(out, o + 2 * L);
                o += stride;
                a60.intoArray(out, o);
                a61.intoArray(out, o + L);
                a62.intoArray(out, o + 2 * L);
                o += stride;
                a70.intoArray(out, o);
                a71.intoArray(out, o + L);
                a72.intoArray(out, o + 2 * L);
            }
        }
    }

    /**
     * {@code dw[(o * inChannels + i) * 9 + t] += sum_q dy[o, q] · in[i, q + off[t]]} over the positions of
     * {@code images} images, two output channels at a time ({@link #weightGradientPair}). Each sum adds
     * its products in position order, so the result does not depend on the pairing.
     */
    private static void weightGradient(float[] dy, int outChannels, float[] in, int inChannels, int[] off, float[] dw,
                                       Layout lay, int images, float[] sums) {
        int stride = lay.channelStride(), first = lay.start() + lay.first(0), span = lay.span(images);
        int o = 0;
        for (; o + 1 < outChannels; o += 2) {
            int d0 = first + o * stride;
            for (int i = 0; i < inChannels; i++) {
                weightGradientPair(dy, d0, d0 + stride, in, first + i * stride, off, span, sums);
                int at = (o * inChannels + i) * 9;
                addLaneSums(sums, 0, dw, at);
                addLaneSums(sums, 9, dw, at + inChannels * 9);
            }
        }
        if (o < outChannels) { // the last of an odd count: paired with itself, the second half dropped
            int d0 = first + o * stride;
            for (int i = 0; i < inChannels; i++) {
                weightGradientPair(dy, d0, d0, in, first + i * stride, off, span, sums);
                addLaneSums(sums, 0, dw, (o * inChannels + i) * 9);
            }
        }
    }

    /**
     * The nine tap sums of two output channels' gradients ({@code dy} at {@code da} and {@code db})
     * against one input channel (at {@code x0}), as vectors: {@code sums[t * L ..]} for the first,
     * {@code sums[(9 + t) * L ..]} for the second. Each input vector loaded serves both: 11 loads for
     * 18 FMAs, where one channel at a time took 10 for 9 (loads, most of them across two cache lines,
     * were the limit).
     */
    private static void weightGradientPair(float[] dy, int da, int db, float[] in, int x0, int[] off, int span,
                                           float[] sums) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0, s8 = s0;
        FloatVector u0 = s0, u1 = s0, u2 = s0, u3 = s0, u4 = s0, u5 = s0, u6 = s0, u7 = s0, u8 = s0;
        int o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3], o4 = off[4], o5 = off[5], o6 = off[6], o7 = off[7];
        int o8 = off[8];
        // Whole vectors up to past the span: the positions after the last real one are the zero column
        // and the gap, where dY is zero, so they add nothing. (A masked tail would make the method too
        // large for C2 to inline every fma, and the rest would run boxed.)
        for (int q = 0; q < span; q += L) {
            FloatVector a = FloatVector.fromArray(F, dy, da + q);
            FloatVector b = FloatVector.fromArray(F, dy, db + q);
            int p = x0 + q;
            FloatVector x = FloatVector.fromArray(F, in, p + o0);
            s0 = x.fma(a, s0);
            u0 = x.fma(b, u0);
            x = FloatVector.fromArray(F, in, p + o1);
            s1 = x.fma(a, s1);
            u1 = x.fma(b, u1);
            x = FloatVector.fromArray(F, in, p + o2);
            s2 = x.fma(a, s2);
            u2 = x.fma(b, u2);
            x = FloatVector.fromArray(F, in, p + o3);
            s3 = x.fma(a, s3);
            u3 = x.fma(b, u3);
            x = FloatVector.fromArray(F, in, p + o4);
            s4 = x.fma(a, s4);
            u4 = x.fma(b, u4);
            x = FloatVector.fromArray(F, in, p + o5);
            s5 = x.fma(a, s5);
            u5 = x.fma(b, u5);
            x = FloatVector.fromArray(F, in, p + o6);
            s6 = x.fma(a, s6);
            u6 = x.fma(b, u6);
            x = FloatVector.fromArray(F, in, p + o7);
            s7 = x.fma(a, s7);
            u7 = x.fma(b, u7);
            x = FloatVector.fromArray(F, in, p + o8);
            s8 = x.fma(a, s8);
            u8 = x.fma(b, u8);
        }
        s0.intoArray(sums, 0);
        s1.intoArray(sums, L);
        s2.intoArray(sums, 2 * L);
        s3.intoArray(sums, 3 * L);
        s4.intoArray(sums, 4 * L);
        s5.intoArray(sums, 5 * L);
        s6.intoArray(sums, 6 * L);
        s7.intoArray(sums, 7 * L);
        s8.intoArray(sums, 8 * L);
        u0.intoArray(sums, 9 * L);
        u1.intoArray(sums, 10 * L);
        u2.intoArray(sums, 11 * L);
        u3.intoArray(sums, 12 * L);
        u4.intoArray(sums, 13 * L);
        u5.intoArray(sums, 14 * L);
        u6.intoArray(sums, 15 * L);
        u7.intoArray(sums, 16 * L);
        u8.intoArray(sums, 17 * L);
    }

    /**
     * {@code dw[at + t] += } the lanes of vector {@code first + t} of {@code sums} for the nine taps,
     * each added in lane order from zero ({@link CpuSpecies#sumInLaneOrder}'s order: the same result in
     * every JIT tier).
     */
    private static void addLaneSums(float[] sums, int first, float[] dw, int at) {
        for (int t = 0; t < 9; t++) {
            float s = 0f;
            for (int l = 0, from = (first + t) * L; l < L; l++) s += sums[from + l];
            dw[at + t] += s;
        }
    }
}
