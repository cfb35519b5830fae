package io.jresnet.cpu;

/**
 * The Vector API implementation of {@link CpuKernels}, one class per op family (conv, gemm, pool,
 * elementwise), each holding the species as its own {@code static final} constant. Layout conversions
 * (network input and output, reshapes) touch each float once and are a small share of a run; they
 * share the scalar loops.
 */
final class VectorKernels implements CpuKernels {
    private final ScalarKernels conversions = new ScalarKernels(CpuSpecies.FLOAT.length());

    @Override
    public int lanes() {
        return CpuSpecies.FLOAT.length();
    }

    @Override
    public String description() {
        return "Vector API " + CpuSpecies.FLOAT.vectorBitSize() + "-bit (" + lanes() + " floats)";
    }

    @Override
    public void conv(ConvPlan p, float[] x, float[] y, float[] res, int zero, int from, int to) {
        VectorConvKernels.conv(p, x, y, res, zero, from, to);
    }

    @Override
    public int panelRows() {
        return VectorTileKernel.ROWS;
    }

    @Override
    public void winogradConv(WinogradPlan p, float[] x, float[] y, float[] res, int zero, int from, int to) {
        VectorWinogradKernels.conv(p, x, y, res, zero, from, to);
    }

    @Override
    public void groupedConv(GroupedConvPlan p, float[] x, float[] y, float[] res, int zero, int from, int to) {
        VectorGroupedConvKernels.conv(p, x, y, res, zero, from, to);
    }

    @Override
    public void maxPool(PoolPlan p, float[] x, float[] y, int from, int to) {
        VectorPoolKernels.maxPool(p, x, y, from, to);
    }

    @Override
    public void globalAvgPool(Blocked in, float[] x, float[] y, int from, int to) {
        VectorPoolKernels.globalAvgPool(in, x, y, from, to);
    }

    @Override
    public void linear(LinearPlan p, float[] x, float[] y, int from, int to) {
        VectorGemmKernels.linear(p, x, y, from, to);
    }

    @Override
    public void add(float[] a, float[] b, float[] y, int from, int to, boolean relu) {
        VectorElementwiseKernels.add(a, b, y, from, to, relu);
    }

    @Override
    public void affine(AffinePlan p, float[] x, float[] y, int from, int to) {
        VectorElementwiseKernels.affine(p, x, y, from, to);
    }

    @Override
    public void shortcutPad(PadPlan p, float[] x, float[] y, int from, int to) {
        VectorElementwiseKernels.shortcutPad(p, x, y, from, to);
    }

    @Override
    public void softmax(float[] x, float[] y, int k, int from, int to) {
        VectorElementwiseKernels.softmax(x, y, k, from, to);
    }

    @Override
    public void toBlocked(float[] src, int srcOff, Blocked g, float[] dst, int from, int to) {
        conversions.toBlocked(src, srcOff, g, dst, from, to);
    }

    @Override
    public void toPlain(float[] src, Blocked g, float[] dst, int dstOff, int from, int to) {
        conversions.toPlain(src, g, dst, dstOff, from, to);
    }
}
