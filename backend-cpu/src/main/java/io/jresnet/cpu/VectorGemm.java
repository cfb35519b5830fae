package io.jresnet.cpu;

import io.jresnet.reference.Gemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packed, register-blocked SGEMM on the Vector API: {@code C = alpha * op(A) * op(B) + beta * C}
 * over row-major arrays, split over a fixed {@link WorkerPool}.
 *
 * <p>Blocking (GotoBLAS order, sized for 32 KB L1 / 512 KB L2 per core): C is cut into work items
 * of up to {@link #BLOCK_ROWS} x {@link #BLOCK_COLS}; an item walks the depth in chunks of
 * {@link #CHUNK}. Per chunk it packs its B block ({@code CHUNK x BLOCK_COLS}, 256 KB, kept in L2)
 * into column panels of {@link VectorTileKernel#COLS}, then for each 6-row panel of A packs that
 * panel ({@code 6 x CHUNK}, 6 KB, kept in L1) and sweeps it over every B panel with
 * {@link VectorTileKernel#multiply}. Both transposes are absorbed by the packing, so the kernel
 * never sees them. Edges are zero-padded in the packed panels and cut off in the store. The first
 * chunk applies {@code beta} (C is not read when {@code beta == 0}, so it may hold NaN); later
 * chunks add to C.
 *
 * <p>Thread safety: packing buffers are per thread ({@link ThreadLocal}), allocated on a thread's
 * first call; the pool serialises concurrent calls. Must not be called from inside a task of its
 * own pool.
 */
final class VectorGemm implements Gemm {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;
    private static final int L = VectorTileKernel.L;
    private static final int MR = VectorTileKernel.ROWS;
    private static final int NR = VectorTileKernel.COLS;
    /** Depth per chunk (a multiple of every vector width). */
    static final int CHUNK = 256;
    static final int BLOCK_ROWS = 16 * MR;
    static final int BLOCK_COLS = 256;
    /** Below this many multiply-adds a call runs on the caller: the hand-off would cost more. */
    private static final long PARALLEL_MACS = 1 << 18;

    /** Per-thread packing buffers. */
    private static final class Scratch {
        final float[] aPanel = new float[MR * CHUNK];
        final float[] bBlock = new float[CHUNK * roundUp(BLOCK_COLS, NR)];
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final WorkerPool pool;
    private final VectorGemm onCallingThread;

    VectorGemm(WorkerPool pool) {
        this.pool = pool;
        this.onCallingThread = pool.size() == 1 ? this : new VectorGemm(new WorkerPool(1));
    }

    @Override
    public String description() {
        return "Vector API " + F.vectorBitSize() + "-bit, " + pool.size() + " thread" + (pool.size() == 1 ? "" : "s");
    }

    @Override
    public int threads() {
        return pool.size();
    }

    @Override
    public void parallel(Gemm.Task task) {
        pool.run(task::run);
    }

    /** A one-thread pool has no threads: its {@code run} is a plain call, safe from any thread. */
    @Override
    public Gemm singleThreaded() {
        return onCallingThread;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("negative size " + m + "x" + n + "x" + k);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        int rowPanels = (m + MR - 1) / MR, colPanels = (n + NR - 1) / NR;
        int rowBlocks = (rowPanels + BLOCK_ROWS / MR - 1) / (BLOCK_ROWS / MR);
        int colBlocks = (colPanels + BLOCK_COLS / NR - 1) / (BLOCK_COLS / NR);
        boolean parallel = pool.size() > 1 && (long) m * n * k >= PARALLEL_MACS;
        if (parallel) {
            // At least two items per thread, splitting whichever side has the larger blocks.
            int want = 2 * pool.size();
            while (rowBlocks * colBlocks < want && (rowBlocks < rowPanels || colBlocks < colPanels)) {
                boolean splitRows = colBlocks == colPanels
                        || (rowBlocks < rowPanels && rowPanels / rowBlocks * MR >= colPanels / colBlocks * NR);
                if (splitRows) rowBlocks++;
                else colBlocks++;
            }
        }
        int rb = rowBlocks, cb = colBlocks, items = rowBlocks * colBlocks;
        WorkerPool.Task task = (worker, workers) -> {
            int from = WorkerPool.from(items, worker, workers), to = WorkerPool.from(items, worker + 1, workers);
            Scratch s = SCRATCH.get();
            for (int item = from; item < to; item++) {
                int r = item / cb, q = item % cb;
                int i0 = Math.min(m, rowPanels * r / rb * MR), i1 = Math.min(m, rowPanels * (r + 1) / rb * MR);
                int j0 = Math.min(n, colPanels * q / cb * NR), j1 = Math.min(n, colPanels * (q + 1) / cb * NR);
                block(s, transA, transB, i0, i1, j0, j1, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }
        };
        if (parallel) pool.run(task);
        else task.run(0, 1);
    }

    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1) return;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int at = cOff + i * ldc + j;
                c[at] = beta == 0 ? 0 : beta * c[at];
            }
        }
    }

    /** Rows {@code [i0, i1)} and columns {@code [j0, j1)} of C, the whole depth. */
    private static void block(Scratch s, boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k,
                              float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
                              float[] c, int cOff, int ldc) {
        int panels = (j1 - j0 + NR - 1) / NR;
        for (int p0 = 0; p0 < k; p0 += CHUNK) {
            int depth = Math.min(CHUNK, k - p0);
            int padded = roundUp(depth, L);
            packB(transB, b, bOff, ldb, p0, depth, padded, j0, j1, s.bBlock);
            float pass = p0 == 0 ? beta : 1f;
            for (int i = i0; i < i1; i += MR) {
                int rows = Math.min(MR, i1 - i);
                packA(transA, a, aOff, lda, i, rows, p0, depth, padded, s.aPanel);
                for (int panel = 0; panel < panels; panel++) {
                    int j = j0 + panel * NR;
                    VectorTileKernel.multiply(s.aPanel, 0, padded / L, s.bBlock, panel * padded * NR, s.tile);
                    store(s.tile, rows, Math.min(NR, j1 - j), alpha, pass, c, cOff + i * ldc + j, ldc);
                }
            }
        }
    }

    /**
     * {@code dst[(g * MR + r) * L + d] = op(A)[i + r, p0 + g * L + d]}: the panel as segments of L
     * depths, row after row, zero past {@code rows} and past {@code depth}.
     */
    private static void packA(boolean transA, float[] a, int aOff, int lda, int i, int rows, int p0, int depth,
                              int padded, float[] dst) {
        for (int g = 0; g < padded / L; g++) {
            for (int r = 0; r < MR; r++) {
                int at = (g * MR + r) * L;
                if (!transA && r < rows && (g + 1) * L <= depth) {
                    FloatVector.fromArray(F, a, aOff + (i + r) * lda + p0 + g * L).intoArray(dst, at);
                    continue;
                }
                for (int d = 0; d < L; d++) {
                    int p = g * L + d;
                    float v = 0;
                    if (r < rows && p < depth) {
                        v = transA ? a[aOff + (p0 + p) * lda + i + r] : a[aOff + (i + r) * lda + p0 + p];
                    }
                    dst[at + d] = v;
                }
            }
        }
    }

    /**
     * {@code dst[(panel * padded + p) * NR + j] = op(B)[p0 + p, j0 + panel * NR + j]}: column panels
     * of NR, zero past {@code j1} and past {@code depth}.
     */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int depth, int padded, int j0,
                              int j1, float[] dst) {
        int panels = (j1 - j0 + NR - 1) / NR;
        for (int panel = 0; panel < panels; panel++) {
            int jp = j0 + panel * NR, cols = Math.min(NR, j1 - jp);
            int base = panel * padded * NR;
            for (int p = 0; p < padded; p++) {
                int at = base + p * NR;
                if (p >= depth) {
                    for (int j = 0; j < NR; j++) dst[at + j] = 0;
                } else if (!transB && cols == NR) {
                    int src = bOff + (p0 + p) * ldb + jp;
                    FloatVector.fromArray(F, b, src).intoArray(dst, at);
                    FloatVector.fromArray(F, b, src + L).intoArray(dst, at + L);
                } else {
                    for (int j = 0; j < NR; j++) {
                        float v = 0;
                        if (j < cols) v = transB ? b[bOff + (jp + j) * ldb + p0 + p] : b[bOff + (p0 + p) * ldb + jp + j];
                        dst[at + j] = v;
                    }
                }
            }
        }
    }

    /** {@code C[r, j] = alpha * tile[r, j] + beta * C[r, j]} for the tile's valid rows and columns. */
    private static void store(float[] tile, int rows, int cols, float alpha, float beta, float[] c, int at, int ldc) {
        for (int r = 0; r < rows; r++, at += ldc) {
            int t = r * NR;
            if (cols == NR) {
                FloatVector v0 = FloatVector.fromArray(F, tile, t).mul(alpha);
                FloatVector v1 = FloatVector.fromArray(F, tile, t + L).mul(alpha);
                if (beta != 0) {
                    v0 = FloatVector.fromArray(F, c, at).mul(beta).add(v0);
                    v1 = FloatVector.fromArray(F, c, at + L).mul(beta).add(v1);
                }
                v0.intoArray(c, at);
                v1.intoArray(c, at + L);
            } else {
                for (int j = 0; j < cols; j++) {
                    float v = alpha * tile[t + j];
                    c[at + j] = beta == 0 ? v : v + beta * c[at + j];
                }
            }
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }
}
