package io.jresnet.cpu;

/**
 * One implementation of every op the cpu backend runs, over {@code float[]} buffers in the blocked
 * layout ({@link Blocked}) unless a method says plain. Each method computes the work items
 * {@code [from, to)} of its op (what an item is is documented on the plan type), so the executable
 * splits an op over threads by splitting the item range.
 *
 * <p>{@link ScalarKernels} is the plain-loop twin and the fallback; {@link VectorKernels} is the fast
 * path. Tests hold one against the other and both against the reference backend.
 */
interface CpuKernels {
    /** Floats per channel block of the layout these kernels use. */
    int lanes();

    /** For example "Vector API, 256-bit (8 floats)". */
    String description();

    /**
     * Convolution, items {@code (row block, column block)} of {@code p}; {@code res} is the residual
     * in the output's layout, or null; {@code zero} is an offset of {@code lanes} zeros in {@code x}.
     */
    void conv(ConvPlan p, float[] x, float[] y, float[] res, int zero, int from, int to);

    /**
     * Rows of the GEMM micro-tile these kernels feed from row panels; plans that build such panels
     * ({@link WinogradPlan}) split their rows into blocks of whole panels.
     */
    int panelRows();

    /**
     * Winograd convolution, items {@code (tile block, column block)} of {@code p}; the arguments are
     * those of {@link #conv}.
     */
    void winogradConv(WinogradPlan p, float[] x, float[] y, float[] res, int zero, int from, int to);

    /**
     * A convolution of narrow groups, items {@code (row block, channel block)} of {@code p}; the
     * arguments are those of {@link #conv}.
     */
    void groupedConv(GroupedConvPlan p, float[] x, float[] y, float[] res, int zero, int from, int to);

    void maxPool(PoolPlan p, float[] x, float[] y, int from, int to);

    /** Items {@code (image, block)}; writes plain {@code [n, c]}. */
    void globalAvgPool(Blocked in, float[] x, float[] y, int from, int to);

    /** Plain {@code [batch, in] -> [batch, out]}, items are output blocks. */
    void linear(LinearPlan p, float[] x, float[] y, int from, int to);

    /** {@code y[i] = relu?(a[i] + b[i])} for {@code i} in {@code [from, to)} (any layout, both the same). */
    void add(float[] a, float[] b, float[] y, int from, int to, boolean relu);

    void affine(AffinePlan p, float[] x, float[] y, int from, int to);

    void shortcutPad(PadPlan p, float[] x, float[] y, int from, int to);

    /** Plain rows of length {@code k}, rows {@code [from, to)}. */
    void softmax(float[] x, float[] y, int k, int from, int to);

    /** Plain NCHW at {@code src[srcOff]} to blocked; items {@code (image, block)}. */
    void toBlocked(float[] src, int srcOff, Blocked g, float[] dst, int from, int to);

    /** Blocked to plain NCHW at {@code dst[dstOff]}; items {@code (image, block)}. */
    void toPlain(float[] src, Blocked g, float[] dst, int dstOff, int from, int to);
}
