package io.jresnet.cpu;

import io.jresnet.backend.TrainingKernels.ConvGeometry;
import io.jresnet.reference.Gemm;
import java.util.HashMap;
import java.util.Map;

/**
 * Training's 3x3 stride-1 convolutions with at least {@link #MIN_CHANNELS} channels in and out, forward
 * and input gradient, on Winograd {@code F(4x4,3x3)}: inference's kernels ({@link WinogradPlan},
 * {@link VectorWinogradKernels}), with the weights transformed again on every call since training
 * changes them. The input gradient is the forward convolution of {@code dY} with the weights flipped
 * and transposed, {@code W'[c, o, ky, kx] = W[o, c, 2 - ky, 2 - kx]}, so it runs on the same kernels.
 * The weight gradient stays on {@link BorderedPlaneConv}.
 *
 * <p>36 multiplies per 4x4 output tile instead of 144, at the price of copying each chunk of images
 * into the blocked layout ({@link Blocked}) and back, and of the transforms. On the Zen 4 of
 * 2026-12-03 (a probe of one forward pass, batch 128, 2 threads, medians of 9): Winograd / bordered
 * time 0.83-0.85 at c32 14x14 and 0.64-0.69 at c64 7x7, but 1.2-1.5 at c16 28x28, where the
 * transforms and the 16-deep GEMMs cost more than the multiplies they save: hence the channel floor.
 *
 * <p>Work is split as in {@link BorderedPlaneConv}: each thread takes a contiguous range of images,
 * in chunks of about {@link #TARGET_POSITIONS} pixels, and runs the whole plan of a chunk by itself;
 * outputs do not depend on the threads. Not thread-safe: scratch and plans are reused from call to
 * call.
 */
final class WinogradTrainingConv {
    /** The fewest input and output channels for which Winograd is used (see the class comment). */
    static final int MIN_CHANNELS = 32;
    /** Pixels per image chunk: a chunk's blocked input and output stay in L2 between the copies and the kernel. */
    static final int TARGET_POSITIONS = 4096;

    private static final int L = CpuSpecies.FLOAT.length();

    private final Gemm pool;
    private final Scratch[] scratch;
    /** Packed weights per (in channels, out channels), shared by that layer shape's plans. */
    private final Map<Long, float[]> packed = new HashMap<>();
    /** Plans per (in, out, height, width, images). */
    private final Map<String, WinogradPlan> plans = new HashMap<>();

    private static final class Scratch {
        /** A chunk's input, blocked, with {@code L} zeros after it (the kernel's stand-in for pixels outside the image). */
        float[] in = new float[0];
        /** A chunk's output, blocked. */
        float[] out = new float[0];
    }

    /** @param pool whose threads split the batch */
    WinogradTrainingConv(Gemm pool) {
        this.pool = pool;
        this.scratch = new Scratch[Math.max(1, pool.threads())];
        for (int i = 0; i < scratch.length; i++) scratch[i] = new Scratch();
    }

    /** Whether this class computes {@code g}: a 3x3 kernel, stride 1, padding 1, at least {@link #MIN_CHANNELS} in and out. */
    static boolean handles(ConvGeometry g) {
        return BorderedPlaneConv.handles(g) && g.c() >= MIN_CHANNELS && g.k() >= MIN_CHANNELS;
    }

    /** {@code y = conv(x, wt) + bias}, {@code y} overwritten; {@code bias} may be null. */
    void forward(ConvGeometry g, float[] x, int xOff, float[] wt, float[] bias, float[] y) {
        convolve(g.n(), g.c(), g.k(), g.h(), g.w(), x, xOff, wt, false, bias, y, false);
    }

    /** {@code dx += } the input gradient of {@code g} given {@code dy}: a convolution of {@code dy} with the flipped, transposed {@code wt}. */
    void addInputGradient(ConvGeometry g, float[] wt, float[] dy, float[] dx) {
        convolve(g.n(), g.k(), g.c(), g.h(), g.w(), dy, 0, wt, true, null, dx, true);
    }

    /**
     * {@code dst (=|+=) conv(src, U) + bias} for {@code cin} channels in and {@code cout} out. With
     * {@code transposed}, the kernel of output {@code o} and input {@code i} is
     * {@code wt[(i * cout + o) * 9 + 8 - t]} (the input gradient's), else {@code wt[(o * cin + i) * 9 + t]}.
     */
    private void convolve(int n, int cin, int cout, int h, int w, float[] src, int srcOff, float[] wt, boolean transposed,
                          float[] bias, float[] dst, boolean add) {
        int workers = scratch.length, share = (n + workers - 1) / workers;
        int most = Math.max(1, Math.min(share, TARGET_POSITIONS / (h * w)));
        int pieces = (share + most - 1) / most, size = (share + pieces - 1) / pieces; // equal chunks where possible
        float[] weights = packed.computeIfAbsent(((long) cin << 32) | cout, key -> new float[WinogradPlan.packedFloats(cin, cout, L)]);
        // Every chunk size the workers will meet (their last chunk may be shorter), planned here, not in the workers.
        Map<Integer, WinogradPlan> bySize = new HashMap<>();
        for (int worker = 0; worker < workers; worker++) {
            int images = WorkerPool.from(n, worker + 1, workers) - WorkerPool.from(n, worker, workers);
            if (images == 0) continue;
            for (int last : new int[] {Math.min(size, images), (images - 1) % size + 1}) {
                bySize.computeIfAbsent(last, m -> setBias(plan(m, cin, cout, h, w, weights), bias, cout));
            }
        }
        WinogradPlan any = bySize.values().iterator().next();
        parallel((worker, all) -> {
            int o0 = WorkerPool.from(cout, worker, all), o1 = WorkerPool.from(cout, worker + 1, all);
            packWeights(wt, transposed, cin, cout, any, o0, o1);
        });
        parallel((worker, all) -> {
            int b0 = WorkerPool.from(n, worker, all), b1 = WorkerPool.from(n, worker + 1, all);
            Scratch s = scratch[worker];
            for (int b = b0; b < b1; b += size) {
                WinogradPlan p = bySize.get(Math.min(size, b1 - b));
                int inFloats = Math.toIntExact(p.in.floats()), outFloats = Math.toIntExact(p.out.floats());
                if (s.in.length < inFloats + L) s.in = new float[inFloats + L]; // new arrays are zero past the copy
                if (s.out.length < outFloats) s.out = new float[outFloats];
                java.util.Arrays.fill(s.in, inFloats, inFloats + L, 0f);
                toBlocked(src, srcOff, b, p.in, s.in);
                VectorWinogradKernels.conv(p, s.in, s.out, null, inFloats, 0, p.items());
                fromBlocked(s.out, p.out, dst, b, add);
            }
        });
    }

    private void parallel(Gemm.Task task) {
        if (scratch.length == 1) task.run(0, 1);
        else pool.parallel(task);
    }

    /** The plan for chunks of {@code images} of this shape, made once. */
    private WinogradPlan plan(int images, int cin, int cout, int h, int w, float[] weights) {
        return plans.computeIfAbsent(images + "/" + cin + "/" + cout + "/" + h + "/" + w,
                key -> WinogradPlan.forTraining(images, cin, cout, h, w, L, VectorTileKernel.ROWS, weights));
    }

    private static WinogradPlan setBias(WinogradPlan p, float[] bias, int cout) {
        if (bias == null) java.util.Arrays.fill(p.bias, 0f);
        else System.arraycopy(bias, 0, p.bias, 0, cout);
        return p;
    }

    /**
     * {@code U = G g G^T} of every kernel of outputs {@code [o0, o1)} into the plan's packed weights
     * ({@link WinogradPlan}'s layout: position {@code ξ}, output group, input channel, output within
     * the group). Entries of padding channels are never written and stay zero.
     */
    private static void packWeights(float[] wt, boolean transposed, int cin, int cout, WinogradPlan p, int o0, int o1) {
        double[] u = new double[WinogradF4x4.POSITIONS], g = new double[9], gg = new double[18];
        for (int o = o0; o < o1; o++) {
            int group = o / p.width, j = o % p.width;
            for (int i = 0; i < cin; i++) {
                if (transposed) {
                    int at = (i * cout + o) * 9;
                    for (int t = 0; t < 9; t++) g[t] = wt[at + 8 - t];
                } else {
                    int at = (o * cin + i) * 9;
                    for (int t = 0; t < 9; t++) g[t] = wt[at + t];
                }
                transformKernel(g, u, gg);
                for (int xi = 0; xi < WinogradF4x4.POSITIONS; xi++) p.weights[p.weightOffset(xi, group, i) + j] = (float) u[xi];
            }
        }
    }

    /**
     * {@code u = G g G^T} ({@link WinogradF4x4#G}) with {@code G} factored: per column of three values
     * {@code (a, b, c)} the six rows are {@code a/4}, {@code -(a+b+c)/6}, {@code -(a-b+c)/6},
     * {@code a/24 + b/12 + c/6}, {@code a/24 - b/12 + c/6} and {@code c}; in double, as
     * {@link WinogradF4x4#transformKernel}. Written out, with no divisions and nothing allocated: once
     * per call instead of once per model, the plain form took a tenth of a ResNet-56 step. {@code gg}
     * holds 18 values between the two passes.
     */
    static void transformKernel(double[] g, double[] u, double[] gg) {
        for (int s = 0; s < 3; s++) applyG(g[s], g[3 + s], g[6 + s], gg, s, 3); // G g: 6 rows x 3 columns
        for (int r = 0; r < 6; r++) applyG(gg[r * 3], gg[r * 3 + 1], gg[r * 3 + 2], u, r * 6, 1);
    }

    private static final double QUARTER = 1 / 4.0, SIXTH = 1 / 6.0, TWELFTH = 1 / 12.0, TWENTY_FOURTH = 1 / 24.0;

    private static void applyG(double a, double b, double c, double[] out, int off, int step) {
        double ac = a + c;
        out[off] = a * QUARTER;
        out[off + step] = -(ac + b) * SIXTH;
        out[off + 2 * step] = -(ac - b) * SIXTH;
        double even = a * TWENTY_FOURTH + c * SIXTH, odd = b * TWELFTH;
        out[off + 3 * step] = even + odd;
        out[off + 4 * step] = even - odd;
        out[off + 5 * step] = c;
    }

    /**
     * Images {@code [b, b + g.n())} of the NCHW tensor at {@code src[srcOff]} into the blocked layout
     * {@code g}, padding lanes zero. Pixel by pixel, each pixel's {@code L} channels written as one
     * contiguous run.
     */
    private static void toBlocked(float[] src, int srcOff, int b, Blocked g, float[] dst) {
        int c = g.c(), hw = g.spatial(), blocks = g.blocks();
        for (int i = 0; i < g.n(); i++) {
            for (int cb = 0; cb < blocks; cb++) {
                int to = (i * blocks + cb) * g.blockStride(), real = Math.min(L, c - cb * L);
                int from = srcOff + ((b + i) * c + cb * L) * hw;
                for (int l = 0; l < real; l++) {
                    for (int p = 0, s = from + l * hw; p < hw; p++) dst[to + p * L + l] = src[s + p];
                }
                for (int l = real; l < L; l++) {
                    for (int p = 0; p < hw; p++) dst[to + p * L + l] = 0f;
                }
            }
        }
    }

    /** The blocked output of images {@code [b, b + g.n())} into the NCHW {@code dst}, added when {@code add}. */
    private static void fromBlocked(float[] src, Blocked g, float[] dst, int b, boolean add) {
        int c = g.c(), hw = g.spatial(), blocks = g.blocks();
        for (int i = 0; i < g.n(); i++) {
            for (int cb = 0; cb < blocks; cb++) {
                int from = (i * blocks + cb) * g.blockStride(), real = Math.min(L, c - cb * L);
                int to = ((b + i) * c + cb * L) * hw;
                for (int l = 0; l < real; l++) {
                    int d = to + l * hw;
                    if (add) {
                        for (int p = 0; p < hw; p++) dst[d + p] += src[from + p * L + l];
                    } else {
                        for (int p = 0; p < hw; p++) dst[d + p] = src[from + p * L + l];
                    }
                }
            }
        }
    }
}
