package io.jresnet.cpu;

import io.jresnet.backend.TrainingKernels.ConvGeometry;
import io.jresnet.reference.Gemm;
import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Training's 3x3 stride-1 convolutions with at least {@link #MIN_CHANNELS} channels in and out, all
 * three passes, on Winograd {@code F(4x4,3x3)}: inference's kernels ({@link WinogradPlan},
 * {@link VectorWinogradKernels}), with the weights transformed again on every call since training
 * changes them. The input gradient is the forward convolution of {@code dY} with the weights flipped
 * and transposed, {@code W'[c, o, ky, kx] = W[o, c, 2 - ky, 2 - kx]}, so it runs on the same kernels;
 * the weight gradient is the transpose of each forward step ({@link #backward}).
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

    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;
    private static final int L = F.length();
    private static final int MR = VectorTileKernel.ROWS;
    private static final int POSITIONS = WinogradF4x4.POSITIONS;
    /** Panels of {@code ROWS} tiles whose transforms the weight gradient multiplies at once: 48 tiles deep per accumulator load. */
    static final int WEIGHT_GRADIENT_PANELS = 4;

    private final Gemm pool;
    private final Scratch[] scratch;
    /** Packed weights per (in channels, out channels), shared by that layer shape's plans. */
    private final Map<Long, float[]> packed = new HashMap<>();
    /** Plans per (images, in, out, height, width). */
    private final Map<PlanKey, WinogradPlan> plans = new HashMap<>();

    private record PlanKey(int images, int cin, int cout, int h, int w) {}

    private static final class Scratch {
        /** A chunk's input, blocked, with {@code L} zeros after it (the kernel's stand-in for pixels outside the image). */
        float[] in = new float[0];
        /** A chunk's output, blocked. */
        float[] out = new float[0];
        /** The weight gradient: a chunk's input, blocked, with {@code L} zeros after it. */
        float[] x = new float[0];
        /** The weight gradient: transformed inputs of a block of panels ({@link VectorWinogradKernels#transformInput}'s layout). */
        float[] transformedInput = new float[0];
        /** The weight gradient: transformed output gradients {@code dM} of the same panels, in the same layout. */
        float[] transformedOutputGradient = new float[0];
        /** The weight gradient in the transformed domain, {@code dU[ξ][c][o]} ({@code c}, {@code o} rounded up to whole vectors), summed over this thread's tiles. */
        float[] transformedGradient = new float[0];
        float[] biasGradient = new float[0];

        static float[] atLeast(float[] a, long size) {
            return a.length >= size ? a : new float[Math.toIntExact(size)];
        }
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
        int n = g.n(), cin = g.c(), cout = g.k(), h = g.h(), w = g.w(), size = chunk(n, h, w);
        Map<Integer, WinogradPlan> plans = plans(n, cin, cout, h, w, size, bias);
        packWeights(wt, false, cin, cout, plans);
        parallel((worker, all) -> {
            int b0 = WorkerPool.from(n, worker, all), b1 = WorkerPool.from(n, worker + 1, all);
            Scratch s = scratch[worker];
            for (int b = b0; b < b1; b += size) {
                WinogradPlan p = plans.get(Math.min(size, b1 - b));
                s.in = blocked(x, xOff, b, p.in, s.in);
                s.out = Scratch.atLeast(s.out, p.out.floats());
                VectorWinogradKernels.conv(p, s.in, s.out, null, zeroAt(p.in), 0, p.items());
                fromBlocked(s.out, p.out, y, b, false);
            }
        });
    }

    /**
     * Adds the gradients of {@code x} (into {@code dx}), {@code wt} (into {@code dw}) and the bias
     * (into {@code dbias}); each may be null. Each chunk of {@code dY} is copied into the blocked layout
     * once, for both products:
     * <pre>
     *   input gradient  dX = conv(dY, W'),  W'[c, o, ky, kx] = W[o, c, 2 - ky, 2 - kx]
     *   weight gradient dU_ξ[c, o] = sum_tiles V_ξ[tile, c] · dM_ξ[tile, o],   V = B^T d B,  dM = A dY A^T
     *                   dW[o, c] = G^T dU[c, o] G
     * </pre>
     * The weight gradient is the transpose of each step of the forward pass ({@code M_ξ = V_ξ U_ξ},
     * {@code Y = A^T M A}, {@code U = G g G^T}): per position ξ one multiply of the tiles' transformed
     * inputs against their transformed output gradients, summed over all tiles of a thread, and the
     * kernel transform's transpose once per call.
     */
    void backward(ConvGeometry g, float[] x, int xOff, float[] wt, float[] dy, float[] dx, float[] dw, float[] dbias) {
        int n = g.n(), cin = g.c(), cout = g.k(), h = g.h(), w = g.w(), size = chunk(n, h, w);
        // The input gradient's plans convolve dY (cout channels) into cin; the weight gradient's give the geometry of x.
        Map<Integer, WinogradPlan> dxPlans = plans(n, cout, cin, h, w, size, null);
        Map<Integer, WinogradPlan> xPlans = dw == null ? null : plans(n, cin, cout, h, w, size, null);
        if (dx != null) packWeights(wt, true, cout, cin, dxPlans);
        int cSegs = (cin + L - 1) / L, kSegs = (cout + L - 1) / L, gradientFloats = POSITIONS * cSegs * L * kSegs * L;
        parallel((worker, all) -> {
            int b0 = WorkerPool.from(n, worker, all), b1 = WorkerPool.from(n, worker + 1, all);
            Scratch s = scratch[worker];
            if (dw != null) s.transformedGradient = BorderedPlaneConv.zeroed(s.transformedGradient, gradientFloats);
            if (dbias != null) s.biasGradient = BorderedPlaneConv.zeroed(s.biasGradient, cout);
            for (int b = b0; b < b1; b += size) {
                WinogradPlan p = dxPlans.get(Math.min(size, b1 - b));
                if (dbias != null) addBiasGradient(dy, b, p.in, s.biasGradient);
                s.in = blocked(dy, 0, b, p.in, s.in);
                if (dx != null) {
                    s.out = Scratch.atLeast(s.out, p.out.floats());
                    VectorWinogradKernels.conv(p, s.in, s.out, null, zeroAt(p.in), 0, p.items());
                    fromBlocked(s.out, p.out, dx, b, true);
                }
                if (dw != null) {
                    WinogradPlan xp = xPlans.get(Math.min(size, b1 - b));
                    s.x = blocked(x, xOff, b, xp.in, s.x);
                    addTransformedWeightGradient(xp, s.x, s.in, p.in, s);
                }
            }
        });
        int parts = scratch.length; // every worker zeroes its part, images or not
        if (dw != null) {
            parallel((worker, all) -> {
                float[] u = new float[POSITIONS * L], tmp = new float[27 * L];
                for (int i = WorkerPool.from(cin, worker, all), i1 = WorkerPool.from(cin, worker + 1, all); i < i1; i++) {
                    for (int o = 0; o < cout; o += L) {
                        for (int xi = 0; xi < POSITIONS; xi++) {
                            int at = (xi * cSegs * L + i) * kSegs * L + o;
                            FloatVector sum = FloatVector.fromArray(F, scratch[0].transformedGradient, at);
                            for (int t = 1; t < parts; t++) sum = sum.add(FloatVector.fromArray(F, scratch[t].transformedGradient, at));
                            sum.intoArray(u, xi * L);
                        }
                        addKernelGradients(u, tmp, dw, cin, i, o, Math.min(L, cout - o));
                    }
                }
            });
        }
        if (dbias != null) {
            for (int t = 0; t < parts; t++) for (int o = 0; o < cout; o++) dbias[o] += scratch[t].biasGradient[o];
        }
    }

    /** Images per chunk: about {@link #TARGET_POSITIONS} pixels, the chunks of a thread's share as equal as they can be. */
    private int chunk(int n, int h, int w) {
        int share = (n + scratch.length - 1) / scratch.length;
        int most = Math.max(1, Math.min(share, TARGET_POSITIONS / (h * w)));
        int pieces = (share + most - 1) / most;
        return (share + pieces - 1) / pieces;
    }

    /**
     * The plans of every chunk size the workers will meet (their last chunk may be shorter), by size,
     * made here rather than in the workers; their weights are the shape's shared packed array.
     */
    private Map<Integer, WinogradPlan> plans(int n, int cin, int cout, int h, int w, int size, float[] bias) {
        float[] weights = packed.computeIfAbsent(((long) cin << 32) | cout, key -> new float[WinogradPlan.packedFloats(cin, cout, L)]);
        Map<Integer, WinogradPlan> bySize = new HashMap<>();
        for (int worker = 0; worker < scratch.length; worker++) {
            int images = WorkerPool.from(n, worker + 1, scratch.length) - WorkerPool.from(n, worker, scratch.length);
            if (images == 0) continue;
            for (int last : new int[] {Math.min(size, images), (images - 1) % size + 1}) {
                bySize.computeIfAbsent(last, m -> setBias(plan(m, cin, cout, h, w, weights), bias, cout));
            }
        }
        return bySize;
    }

    /** Packs the weights into the plans' shared array, the input channels split over the threads. */
    private void packWeights(float[] wt, boolean transposed, int cin, int cout, Map<Integer, WinogradPlan> plans) {
        WinogradPlan any = plans.values().iterator().next();
        parallel((worker, all) -> packWeights(wt, transposed, cin, cout, any, WorkerPool.from(cin, worker, all),
                WorkerPool.from(cin, worker + 1, all)));
    }

    /** Offset of the {@code L} zeros after a blocked value of geometry {@code g} ({@link #blocked}). */
    private static int zeroAt(Blocked g) {
        return Math.toIntExact(g.floats());
    }

    /** Images {@code [b, b + g.n())} of {@code src} in the blocked layout {@code g}, followed by {@code L} zeros, in {@code buffer} or a larger array. */
    private static float[] blocked(float[] src, int srcOff, int b, Blocked g, float[] buffer) {
        int floats = zeroAt(g);
        float[] dst = Scratch.atLeast(buffer, floats + L);
        toBlocked(src, srcOff, b, g, dst);
        java.util.Arrays.fill(dst, floats, floats + L, 0f);
        return dst;
    }

    /** {@code part[o] += sum dY[b + i, o]} over the chunk's images, in double within a plane. */
    private static void addBiasGradient(float[] dy, int b, Blocked g, float[] part) {
        int hw = g.spatial();
        for (int i = 0; i < g.n(); i++) {
            for (int o = 0; o < g.c(); o++) {
                double sum = 0;
                for (int p = ((b + i) * g.c() + o) * hw, end = p + hw; p < end; p++) sum += dy[p];
                part[o] += (float) sum;
            }
        }
    }

    private void parallel(Gemm.Task task) {
        if (scratch.length == 1) task.run(0, 1);
        else pool.parallel(task);
    }

    /** The plan for chunks of {@code images} of this shape, made once. */
    private WinogradPlan plan(int images, int cin, int cout, int h, int w, float[] weights) {
        return plans.computeIfAbsent(new PlanKey(images, cin, cout, h, w),
                key -> WinogradPlan.forTraining(images, cin, cout, h, w, L, VectorTileKernel.ROWS, weights));
    }

    private static WinogradPlan setBias(WinogradPlan p, float[] bias, int cout) {
        if (bias == null) java.util.Arrays.fill(p.bias, 0f);
        else System.arraycopy(bias, 0, p.bias, 0, cout);
        return p;
    }

    /**
     * Adds the chunk's share of {@code dU} to {@code s.transformedGradient}: for each block of
     * {@link #WEIGHT_GRADIENT_PANELS} panels of tiles, the inputs' transforms {@code V} (from the
     * blocked input {@code xb}, plan {@code xp}) and the output gradients' {@code dM} (from the blocked
     * {@code dyb} of geometry {@code dyg}), then per position one multiply over the block's tiles.
     */
    private static void addTransformedWeightGradient(WinogradPlan xp, float[] xb, float[] dyb, Blocked dyg, Scratch s) {
        int cSegs = xp.in.blocks(), kSegs = dyg.blocks();
        int vPanel = POSITIONS * cSegs * MR * L, mPanel = POSITIONS * kSegs * MR * L;
        float[] v = s.transformedInput = Scratch.atLeast(s.transformedInput, (long) WEIGHT_GRADIENT_PANELS * vPanel);
        float[] m = s.transformedOutputGradient = Scratch.atLeast(s.transformedOutputGradient,
                (long) WEIGHT_GRADIENT_PANELS * mPanel);
        int[] window = new int[16];
        float[] between = new float[24 * L];
        for (int t0 = 0; t0 < xp.tiles; t0 += WEIGHT_GRADIENT_PANELS * MR) {
            int panels = Math.min(WEIGHT_GRADIENT_PANELS, (xp.tiles - t0 + MR - 1) / MR);
            for (int panel = 0; panel < panels; panel++) {
                int t = t0 + panel * MR, rows = Math.min(MR, xp.tiles - t);
                VectorWinogradKernels.transformInput(xp, xb, zeroAt(xp.in), t, rows, v, panel * vPanel);
                transformOutputGradient(xp, dyb, dyg, t, rows, m, panel * mPanel, window, between);
            }
            for (int xi = 0; xi < POSITIONS; xi++) {
                multiplyTransposed(v, (xi * cSegs) * MR * L, vPanel, cSegs, m, (xi * kSegs) * MR * L, mPanel, kSegs, panels,
                        s.transformedGradient, xi * cSegs * L * kSegs * L);
            }
        }
    }

    /**
     * {@code dM = A dY A^T} (the transpose of the output transform {@code Y = A^T M A}) of tiles
     * {@code [t, t + rows)} for every block of output channels, from the blocked {@code dY} (zero
     * outside the image: those outputs do not exist), into {@code m[mOff]} in the A-panel layout
     * ({@code mOff + ((ξ * blocks + block) * ROWS + row) * L + lane}); rows {@code [rows, ROWS)} are
     * zeros. Per 1-D pass the four values {@code y} give {@code y0}, {@code (y0 + y2) ± (y1 + y3)},
     * {@code (y0 + 4 y2) ± (2 y1 + 8 y3)} and {@code y3}: the columns of {@code A^T}.
     */
    private static void transformOutputGradient(WinogradPlan p, float[] dyb, Blocked dyg, int t, int rows, float[] m,
                                                int mOff, int[] window, float[] between) {
        int kSegs = dyg.blocks(), xiStride = kSegs * MR * L, perImage = p.tilesH * p.tilesW, zero = zeroAt(dyg);
        for (int i = 0; i < MR; i++) {
            if (i >= rows) {
                for (int e = 0; e < POSITIONS * kSegs; e++) java.util.Arrays.fill(m, mOff + (e * MR + i) * L, mOff + (e * MR + i + 1) * L, 0f);
                continue;
            }
            int tile = t + i, n = tile / perImage;
            int oy0 = tile / p.tilesW % p.tilesH * WinogradF4x4.M, ox0 = tile % p.tilesW * WinogradF4x4.M;
            for (int a = 0; a < 4; a++) {
                for (int q = 0; q < 4; q++) {
                    int y = oy0 + a, x = ox0 + q;
                    window[a * 4 + q] = y < dyg.h() && x < dyg.w() ? (y * dyg.w() + x) * L : -1;
                }
            }
            for (int kb = 0; kb < kSegs; kb++) {
                int plane = (n * kSegs + kb) * dyg.blockStride();
                // Columns q of dY: the six rows r of A dY, into between[(r * 4 + q) * L].
                for (int q = 0; q < 4; q++) {
                    adjointPass(dyb, at(window[q], plane, zero), at(window[4 + q], plane, zero),
                            at(window[8 + q], plane, zero), at(window[12 + q], plane, zero), between, q * L, 4 * L);
                }
                // Rows r of A dY: the six values of ξ = r * 6 + q.
                int panel = mOff + (kb * MR + i) * L;
                for (int r = 0; r < 6; r++) {
                    int o = r * 4 * L;
                    adjointPass(between, o, o + L, o + 2 * L, o + 3 * L, m, panel + r * 6 * xiStride, xiStride);
                }
            }
        }
    }

    /** A pixel of the block at {@code plane}, or the zero vector at {@code zero} for offset -1. */
    private static int at(int offset, int plane, int zero) {
        return offset < 0 ? zero : plane + offset;
    }

    /**
     * One 1-D pass of {@code A (.)}: the four vectors at {@code src[o0..o3]} give, at
     * {@code dst[off + r * stride]}, {@code y0}, {@code (y0 + y2) ± (y1 + y3)},
     * {@code (y0 + 4 y2) ± (2 y1 + 8 y3)} and {@code y3}.
     */
    private static void adjointPass(float[] src, int o0, int o1, int o2, int o3, float[] dst, int off, int stride) {
        FloatVector y0 = FloatVector.fromArray(F, src, o0), y1 = FloatVector.fromArray(F, src, o1);
        FloatVector y2 = FloatVector.fromArray(F, src, o2), y3 = FloatVector.fromArray(F, src, o3);
        FloatVector s02 = y0.add(y2), s13 = y1.add(y3);
        FloatVector even = y2.mul(4f).add(y0), odd = y3.mul(4f).add(y1).mul(2f);
        y0.intoArray(dst, off);
        s02.add(s13).intoArray(dst, off + stride);
        s02.sub(s13).intoArray(dst, off + 2 * stride);
        even.add(odd).intoArray(dst, off + 3 * stride);
        even.sub(odd).intoArray(dst, off + 4 * stride);
        y3.intoArray(dst, off + 5 * stride);
    }

    /**
     * {@code dU[c][o] += sum_{panel, row} V[panel][c-block][row][c-lane] · dM[panel][o-block][row][o-lane]}
     * for one position: {@code v[vAt + panel * vPanel + (block * ROWS + row) * L + lane]}, likewise
     * {@code m}, and {@code du[duAt + c * kSegs * L + o]}. Register tiles of 4 input channels x 2 vectors
     * of output channels (one where a single vector is left), loaded once and run through every row of
     * the block's panels. Rows past a panel's last tile are zeros on both sides and add nothing.
     */
    private static void multiplyTransposed(float[] v, int vAt, int vPanel, int cSegs, float[] m, int mAt, int mPanel,
                                           int kSegs, int panels, float[] du, int duAt) {
        int kPad = kSegs * L;
        for (int c = 0; c < cSegs * L; c += 4) {
            int vc = vAt + c / L * MR * L + c % L;
            for (int kb = 0; kb < kSegs; kb += 2) {
                int d = duAt + c * kPad + kb * L, mk = mAt + kb * MR * L;
                if (kb + 1 < kSegs) multiply4x2(v, vc, vPanel, m, mk, mPanel, panels, du, d, kPad);
                else multiply4x1(v, vc, vPanel, m, mk, mPanel, panels, du, d, kPad);
            }
        }
    }

    private static void multiply4x2(float[] v, int vc, int vPanel, float[] m, int mk, int mPanel, int panels, float[] du,
                                    int d, int kPad) {
        FloatVector a0 = FloatVector.fromArray(F, du, d), b0 = FloatVector.fromArray(F, du, d + L);
        FloatVector a1 = FloatVector.fromArray(F, du, d + kPad), b1 = FloatVector.fromArray(F, du, d + kPad + L);
        FloatVector a2 = FloatVector.fromArray(F, du, d + 2 * kPad), b2 = FloatVector.fromArray(F, du, d + 2 * kPad + L);
        FloatVector a3 = FloatVector.fromArray(F, du, d + 3 * kPad), b3 = FloatVector.fromArray(F, du, d + 3 * kPad + L);
        for (int panel = 0; panel < panels; panel++) {
            int vr = vc + panel * vPanel, mr = mk + panel * mPanel;
            for (int row = 0; row < MR; row++, vr += L, mr += L) {
                FloatVector g0 = FloatVector.fromArray(F, m, mr), g1 = FloatVector.fromArray(F, m, mr + MR * L);
                FloatVector x = FloatVector.broadcast(F, v[vr]);
                a0 = g0.fma(x, a0);
                b0 = g1.fma(x, b0);
                x = FloatVector.broadcast(F, v[vr + 1]);
                a1 = g0.fma(x, a1);
                b1 = g1.fma(x, b1);
                x = FloatVector.broadcast(F, v[vr + 2]);
                a2 = g0.fma(x, a2);
                b2 = g1.fma(x, b2);
                x = FloatVector.broadcast(F, v[vr + 3]);
                a3 = g0.fma(x, a3);
                b3 = g1.fma(x, b3);
            }
        }
        a0.intoArray(du, d);
        b0.intoArray(du, d + L);
        a1.intoArray(du, d + kPad);
        b1.intoArray(du, d + kPad + L);
        a2.intoArray(du, d + 2 * kPad);
        b2.intoArray(du, d + 2 * kPad + L);
        a3.intoArray(du, d + 3 * kPad);
        b3.intoArray(du, d + 3 * kPad + L);
    }

    private static void multiply4x1(float[] v, int vc, int vPanel, float[] m, int mk, int mPanel, int panels, float[] du,
                                    int d, int kPad) {
        FloatVector a0 = FloatVector.fromArray(F, du, d), a1 = FloatVector.fromArray(F, du, d + kPad);
        FloatVector a2 = FloatVector.fromArray(F, du, d + 2 * kPad), a3 = FloatVector.fromArray(F, du, d + 3 * kPad);
        for (int panel = 0; panel < panels; panel++) {
            int vr = vc + panel * vPanel, mr = mk + panel * mPanel;
            for (int row = 0; row < MR; row++, vr += L, mr += L) {
                FloatVector g0 = FloatVector.fromArray(F, m, mr);
                a0 = g0.fma(FloatVector.broadcast(F, v[vr]), a0);
                a1 = g0.fma(FloatVector.broadcast(F, v[vr + 1]), a1);
                a2 = g0.fma(FloatVector.broadcast(F, v[vr + 2]), a2);
                a3 = g0.fma(FloatVector.broadcast(F, v[vr + 3]), a3);
            }
        }
        a0.intoArray(du, d);
        a1.intoArray(du, d + kPad);
        a2.intoArray(du, d + 2 * kPad);
        a3.intoArray(du, d + 3 * kPad);
    }

    /**
     * {@code dw[((o + l) * cin + i) * 9 + ky * 3 + kx] += (G^T dU G)[ky][kx]}, the transpose of
     * {@code U = G g G^T}, for {@code count} output channels from {@code o}, their 36 values
     * {@code dU[r * 6 + q]} as the lanes of {@code u[(r * 6 + q) * L ..]}: per column, then per row, the
     * three values {@code u0/4 - (u1+u2)/6 + (u3+u4)/24}, {@code (u2-u1)/6 + (u3-u4)/12} and
     * {@code (u3+u4-u1-u2)/6 + u5} (the columns of {@code G}); {@code tmp} holds {@code 27 L} floats.
     */
    static void addKernelGradients(float[] u, float[] tmp, float[] dw, int cin, int i, int o, int count) {
        for (int q = 0; q < 6; q++) {
            applyGTransposed(u, q * L, (6 + q) * L, (12 + q) * L, (18 + q) * L, (24 + q) * L, (30 + q) * L, tmp, q * L, 6 * L);
        }
        for (int a = 0; a < 3; a++) {
            int r = a * 6 * L;
            applyGTransposed(tmp, r, r + L, r + 2 * L, r + 3 * L, r + 4 * L, r + 5 * L, tmp, (18 + a * 3) * L, L);
        }
        for (int l = 0; l < count; l++) {
            int at = ((o + l) * cin + i) * 9;
            for (int k = 0; k < 9; k++) dw[at + k] += tmp[(18 + k) * L + l];
        }
    }

    /** {@code G^T} applied to the six vectors at {@code src[o0..o5]}, the three results at {@code dst[off + k * step]}. */
    private static void applyGTransposed(float[] src, int o0, int o1, int o2, int o3, int o4, int o5, float[] dst, int off,
                                         int step) {
        FloatVector u1 = FloatVector.fromArray(F, src, o1), u2 = FloatVector.fromArray(F, src, o2);
        FloatVector u3 = FloatVector.fromArray(F, src, o3), u4 = FloatVector.fromArray(F, src, o4);
        FloatVector s12 = u1.add(u2), s34 = u3.add(u4);
        FloatVector.fromArray(F, src, o0).mul(QUARTER).sub(s12.mul(SIXTH)).add(s34.mul(TWENTY_FOURTH)).intoArray(dst, off);
        u2.sub(u1).mul(SIXTH).add(u3.sub(u4).mul(TWELFTH)).intoArray(dst, off + step);
        s34.sub(s12).mul(SIXTH).add(FloatVector.fromArray(F, src, o5)).intoArray(dst, off + 2 * step);
    }

    /**
     * {@code U = G g G^T} of every kernel of input channels {@code [i0, i1)} into the plan's packed
     * weights ({@link WinogradPlan}'s layout: position {@code ξ}, output group, input channel, output
     * within the group), {@code L} output channels at a time: their taps are first gathered into
     * {@code taps[t * kPad + o]} (zero past the last output), then transformed as vectors, in float,
     * and stored as one vector per position. {@code G} factored: per three values {@code (a, b, c)} the
     * six are {@code a/4}, {@code -(a+b+c)/6}, {@code -(a-b+c)/6}, {@code a/24 + b/12 + c/6},
     * {@code a/24 - b/12 + c/6} and {@code c} ({@link WinogradF4x4#G}'s rows). Done on every call,
     * where inference does it once per model: kernel by kernel in double it took 2.6% of a ResNet-56
     * step.
     */
    static void packWeights(float[] wt, boolean transposed, int cin, int cout, WinogradPlan p, int i0, int i1) {
        int kPad = (cout + L - 1) / L * L, xiStride = p.weightOffset(1, 0, 0);
        float[] taps = new float[9 * kPad], between = new float[18 * L];
        for (int i = i0; i < i1; i++) {
            for (int o = 0; o < cout; o++) {
                for (int t = 0; t < 9; t++) {
                    taps[t * kPad + o] = transposed ? wt[(i * cout + o) * 9 + 8 - t] : wt[(o * cin + i) * 9 + t];
                }
            }
            for (int o = 0; o < kPad; o += L) {
                // Columns s of g: the six rows r of G g, into between[(r * 3 + s) * L].
                for (int s = 0; s < 3; s++) applyG(taps, s * kPad + o, (3 + s) * kPad + o, (6 + s) * kPad + o, between, s * L, 3 * L);
                // Rows r of G g: the six values of ξ = r * 6 + q.
                int at = p.weightOffset(0, o / p.width, i) + o % p.width;
                for (int r = 0; r < 6; r++) {
                    int b = r * 3 * L;
                    applyG(between, b, b + L, b + 2 * L, p.weights, at + r * 6 * xiStride, xiStride);
                }
            }
        }
    }

    private static final float QUARTER = 1 / 4f, SIXTH = 1 / 6f, TWELFTH = 1 / 12f, TWENTY_FOURTH = 1 / 24f;

    /** {@code G} applied to the three vectors at {@code src[oa], src[ob], src[oc]}, the six results at {@code dst[off + k * step]}. */
    private static void applyG(float[] src, int oa, int ob, int oc, float[] dst, int off, int step) {
        FloatVector a = FloatVector.fromArray(F, src, oa), b = FloatVector.fromArray(F, src, ob);
        FloatVector c = FloatVector.fromArray(F, src, oc), ac = a.add(c);
        a.mul(QUARTER).intoArray(dst, off);
        ac.add(b).mul(-SIXTH).intoArray(dst, off + step);
        ac.sub(b).mul(-SIXTH).intoArray(dst, off + 2 * step);
        FloatVector even = a.mul(TWENTY_FOURTH).add(c.mul(SIXTH)), odd = b.mul(TWELFTH);
        even.add(odd).intoArray(dst, off + 3 * step);
        even.sub(odd).intoArray(dst, off + 4 * step);
        c.intoArray(dst, off + 5 * step);
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
