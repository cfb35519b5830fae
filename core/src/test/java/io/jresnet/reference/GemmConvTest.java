package io.jresnet.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jresnet.backend.TrainingKernels.ConvGeometry;
import io.jresnet.train.Tape;
import io.jresnet.train.TapeModel;
import io.jresnet.train.TrainingContext;
import io.jresnet.train.Var;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The im2col + GEMM convolution ({@link GemmConv}, through {@link ReferenceTrainingKernels}) against the direct loops it replaced
 * ({@link ConvKernels}, the oracle), on odd shapes, for the reference GEMM and for a GEMM that sums
 * in a different order, as a blocked fast one does.
 *
 * <p>Tolerance: {@code |a - b| <= 1e-4 * max|b| + 1e-4 * |b|} ({@link Tolerance#OP} relative to the
 * largest expected value): both sides sum the same products in float or double in different orders,
 * over at most a few hundred terms.
 */
public class GemmConvTest {
    /** {c, k, h, w, r, stride, pad, n}: odd sides, strides that do not divide, padding wider than the kernel reach. */
    private static final List<int[]> SHAPES = List.of(
            new int[] {3, 5, 7, 9, 3, 1, 1, 3},
            new int[] {2, 4, 11, 10, 3, 2, 1, 5},
            new int[] {4, 3, 9, 9, 1, 2, 0, 2},
            new int[] {3, 2, 5, 6, 5, 1, 2, 2},
            new int[] {1, 6, 13, 13, 7, 2, 3, 2},
            new int[] {5, 3, 3, 3, 3, 3, 2, 7}, // 3x3 output of a padded 3x3 image: several images per chunk
            new int[] {2, 2, 4, 4, 3, 1, 0, 40}); // 2x2 outputs: chunks of 256 images, a partial last one

    /** Float sums over k in blocks of 4, from the top down: another summation order than the reference. */
    public static class BlockedFloatGemm implements Gemm {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                          float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
            calls.incrementAndGet();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float acc = 0f;
                    for (int p0 = ((k - 1) / 4) * 4; p0 >= 0; p0 -= 4) {
                        float block = 0f;
                        for (int p = p0; p < Math.min(k, p0 + 4); p++) {
                            float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                            float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                            block += av * bv;
                        }
                        acc += block;
                    }
                    int ci = cOff + i * ldc + j;
                    c[ci] = alpha * acc + (beta == 0f ? 0f : beta * c[ci]);
                }
            }
        }

        @Override
        public String description() {
            return "test: blocked float sums";
        }
    }

    @Test
    void referenceGemmMatchesDirectConvolution() {
        for (int[] s : SHAPES) assertMatchesDirect(new ReferenceTrainingKernels(), s);
    }

    @Test
    void anInjectedGemmIsTheOneUsedAndMatchesDirectConvolution() {
        BlockedFloatGemm gemm = new BlockedFloatGemm();
        ReferenceTrainingKernels ctx = new ReferenceTrainingKernels(gemm);
        for (int[] s : SHAPES) assertMatchesDirect(ctx, s);
        // per shape: chunks x (1 forward + 2 backward) calls
        int expected = 0;
        for (int[] s : SHAPES) {
            int oh = (s[2] + 2 * s[6] - s[4]) / s[5] + 1, ow = (s[3] + 2 * s[6] - s[4]) / s[5] + 1;
            int g = GemmConv.chunk(s[7], oh, ow);
            expected += 3 * ((s[7] + g - 1) / g);
        }
        assertEquals(expected, gemm.calls.get());
    }

    @Test
    void theTapeRunsConvolutionOnItsContextsGemm() {
        BlockedFloatGemm gemm = new BlockedFloatGemm();
        Tape tape = Tape.recording(new TrainingContext(new ReferenceTrainingKernels(gemm)));
        io.jresnet.nn.Conv2d conv = new io.jresnet.nn.Conv2d(2, 3, 3, 1, 1, false);
        Var y = new TapeModel(conv).forward(tape.variable(Tensor.uniform(Shape.nchw(2, 2, 5, 5), -1, 1, 3)), tape);
        assertEquals(1, gemm.calls.get());
        tape.backward(y, Tensor.uniform(y.shape(), -1, 1, 4));
        assertEquals(3, gemm.calls.get());
    }

    @Test
    void scratchBuffersAreReusedAcrossSteps() {
        ReferenceTrainingKernels ctx = new ReferenceTrainingKernels();
        int[] s = SHAPES.get(1);
        assertMatchesDirect(ctx, s);
        float[] columns = ctx.convolution().workspace(0).columns(0), rows = ctx.convolution().workspace(0).rows(0);
        assertMatchesDirect(ctx, s);
        assertSame(columns, ctx.convolution().workspace(0).columns(0));
        assertSame(rows, ctx.convolution().workspace(0).rows(0));
    }

    /**
     * A GEMM that claims {@code threads} threads and runs the shares of {@link Gemm#parallel} one after
     * the other, in reverse order, on the caller: the split of the batch into per-thread ranges and the
     * sum of the per-thread weight gradients are exercised without timing-dependent threads.
     */
    public static final class SharedOutGemm extends BlockedFloatGemm {
        final int threads;
        final AtomicInteger shares = new AtomicInteger();

        public SharedOutGemm(int threads) {
            this.threads = threads;
        }

        @Override
        public int threads() {
            return threads;
        }

        @Override
        public void parallel(Gemm.Task task) {
            for (int worker = threads - 1; worker >= 0; worker--) {
                shares.incrementAndGet();
                task.run(worker, threads);
            }
        }

        @Override
        public Gemm singleThreaded() {
            return new BlockedFloatGemm();
        }
    }

    @Test
    void batchSplitOverThreadsMatchesDirectConvolution() {
        for (int threads : new int[] {2, 3, 8}) { // 8 > the batch of most shapes: some threads get no images
            SharedOutGemm gemm = new SharedOutGemm(threads);
            ReferenceTrainingKernels ctx = new ReferenceTrainingKernels(gemm);
            for (int[] s : SHAPES) assertMatchesDirect(ctx, s);
            assertEquals(2 * threads * SHAPES.size(), gemm.shares.get(), "one forward and one backward split per shape");
        }
    }

    private static void assertMatchesDirect(ReferenceTrainingKernels ctx, int[] s) {
        int c = s[0], k = s[1], h = s[2], w = s[3], r = s[4], stride = s[5], pad = s[6], n = s[7];
        int oh = (h + 2 * pad - r) / stride + 1, ow = (w + 2 * pad - r) / stride + 1;
        String what = ctx.gemm().description() + " c" + c + " k" + k + " " + h + "x" + w + " r" + r + " s" + stride + " p"
                + pad + " n" + n;
        long seed = 31L * c + 7L * k + h + r;
        // x sits at an offset inside a larger array, as a view does
        Tensor xAll = Tensor.uniform(Shape.of(n * c * h * w + 5), -1, 1, seed);
        float[] x = xAll.array();
        int xOff = 5;
        float[] wt = Tensor.normal(Shape.of(k * c * r * r), 0.5f, seed + 1).array();
        float[] bias = Tensor.uniform(Shape.of(k), -1, 1, seed + 2).array();
        float[] dy = Tensor.uniform(Shape.of(n * k * oh * ow), -1, 1, seed + 3).array();
        float[] dxStart = Tensor.uniform(Shape.of(n * c * h * w), -1, 1, seed + 4).array(); // both add into it
        float[] dwStart = Tensor.uniform(Shape.of(k * c * r * r), -1, 1, seed + 5).array();

        float[] yDirect = new float[n * k * oh * ow], yGemm = new float[n * k * oh * ow];
        ConvKernels.forward(x, xOff, n, c, h, w, wt, k, r, bias, stride, pad, yDirect, oh, ow);
        ConvGeometry geometry = new ConvGeometry(n, c, h, w, k, r, stride, pad);
        ctx.conv(geometry, x, xOff, wt, bias, yGemm);
        close(yDirect, yGemm, what + " forward");

        float[] dxDirect = dxStart.clone(), dxGemm = dxStart.clone();
        float[] dwDirect = dwStart.clone(), dwGemm = dwStart.clone();
        float[] dbDirect = new float[k], dbGemm = new float[k];
        ConvKernels.backwardData(dy, n, k, oh, ow, wt, c, r, stride, pad, dxDirect, h, w);
        ConvKernels.backwardWeight(x, xOff, n, c, h, w, dy, k, oh, ow, r, stride, pad, dwDirect, dbDirect);
        ctx.convBackward(geometry, x, xOff, wt, dy, dxGemm, dwGemm, dbGemm);
        close(dxDirect, dxGemm, what + " data gradient");
        close(dwDirect, dwGemm, what + " weight gradient");
        close(dbDirect, dbGemm, what + " bias gradient");
    }

    private static void close(float[] expected, float[] actual, String what) {
        Tensor e = Tensor.wrap(expected, Shape.of(expected.length)), a = Tensor.wrap(actual, Shape.of(actual.length));
        Tolerance.OP.relativeTo(e).assertClose(e, a, what);
    }
}
