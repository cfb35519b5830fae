package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Winograd {@code F(4x4,3x3)} convolutions against the reference on odd shapes: images of 1 to 56
 * pixels a side (edge tiles cut at every offset), channel counts that leave partial blocks at every
 * width, several depth chunks (130 channels) and batches. Each case checks that Winograd was really
 * chosen and that it agrees with the direct convolution of the same backend. Runs three times
 * (surefire executions): preferred species, 128-bit and the scalar path.
 *
 * <p>Tolerance: the same {@code atol = rtol = 1e-4} as {@link ConvWidthTest}, absolute, on outputs of
 * magnitude up to about 4 (19 with the residual). Winograd's float error is larger than the direct
 * convolution's (the transforms multiply by up to 5 x 5 and 8 x 8 and cancel); the largest seen on
 * these cases, 4.1e-5, is documented in {@link ConvAlgorithm#WINOGRAD_4X4}.
 */
class WinogradWidthTest {
    static final double ATOL = 1e-4, RTOL = 1e-4;

    static Stream<Arguments> shapes() {
        // batch, in channels, out channels, height, width, pad top, left, bottom, right
        return Stream.of(
                Arguments.of(1, 3, 17, 5, 5, 1, 1, 1, 1),
                Arguments.of(3, 17, 64, 7, 7, 1, 1, 1, 1),
                Arguments.of(1, 64, 64, 56, 56, 1, 1, 1, 1),
                Arguments.of(1, 64, 17, 1, 1, 1, 1, 1, 1),
                Arguments.of(3, 130, 64, 2, 2, 1, 1, 1, 1),
                Arguments.of(1, 17, 130, 13, 13, 1, 1, 1, 1),
                Arguments.of(3, 64, 130, 14, 14, 1, 1, 1, 1),
                Arguments.of(1, 130, 130, 56, 56, 1, 1, 1, 1),
                Arguments.of(3, 130, 3, 13, 14, 1, 1, 1, 1),
                Arguments.of(3, 3, 3, 2, 1, 1, 1, 1, 1),
                Arguments.of(1, 17, 17, 13, 13, 0, 0, 0, 0),
                Arguments.of(3, 17, 17, 7, 5, 0, 1, 2, 1));
    }

    @ParameterizedTest(name = "n{0} c{1} k{2} {3}x{4} pad {5},{6},{7},{8}")
    @MethodSource("shapes")
    void convWithBias(int n, int c, int k, int h, int w, int pt, int pl, int pb, int pr) {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(n, c, h, w));
        Tensor weight = Tensor.normal(Shape.nchw(k, c, 3, 3), (float) Math.sqrt(2.0 / (c * 9)), 41);
        int y = gb.conv("conv", x, weight, Tensor.uniform(Shape.of(k), -0.5f, 0.5f, 42), 1, 1, pt, pl, pb, pr);
        check(Planner.plan(gb.build(y)), Tensor.uniform(Shape.nchw(n, c, h, w), -1, 1, 43), "conv");
    }

    /** conv -> add(shortcut) -> relu fuses into the Winograd convolution's epilogue. */
    @ParameterizedTest(name = "n{0} c{1} k{2} {3}x{4} pad {5},{6},{7},{8} +res +relu")
    @MethodSource("shapes")
    void convWithResidualAndRelu(int n, int c, int k, int h, int w, int pt, int pl, int pb, int pr) {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(n, c, h, w));
        Tensor weight = Tensor.normal(Shape.nchw(k, c, 3, 3), (float) Math.sqrt(2.0 / (c * 9)), 51);
        int main = gb.conv("conv", x, weight, Tensor.uniform(Shape.of(k), -0.5f, 0.5f, 52), 1, 1, pt, pl, pb, pr);
        Shape out = gb.shape(main);
        // The shortcut: a 1x1 projection of the input to the output's shape (cropped or padded by a pool).
        int sc = gb.conv("shortcut", x, Tensor.normal(Shape.nchw(k, c, 1, 1), 0.5f, 53), null, 1, 1, 0, 0, 0, 0);
        if (!gb.shape(sc).equals(out)) sc = gb.maxPool("fit", sc, 3, 1, 0);
        int y = gb.relu("relu", gb.add("add", main, sc));
        check(Planner.plan(gb.build(y)), Tensor.uniform(Shape.nchw(n, c, h, w), -1, 1, 54), "conv+res+relu");
    }

    /**
     * Padding lanes of the last input block hold unspecified values in the layout ({@link Blocked}),
     * which must not reach a result: NaN there gives the same outputs as zeros.
     */
    @Test
    void paddingLanesOfTheInputAreNeverRead() {
        CpuKernels kernels = CpuSettings.requestedVectorBits() == 0 ? new ScalarKernels(1) : new VectorKernels();
        Shape in = Shape.nchw(2, 17, 9, 6);
        GraphBuilder gb = new GraphBuilder();
        Tensor weight = Tensor.normal(Shape.nchw(19, 17, 3, 3), 0.1f, 61);
        int y = gb.conv("conv", gb.input(in), weight, null, 1, 1, 1, 1, 1, 1);
        Plan plan = Planner.plan(gb.build(y));
        WinogradPlan p = WinogradPlan.create((io.jresnet.plan.PlanOp.Conv) plan.ops().get(0), in, plan.outputShape(),
                kernels.lanes(), kernels.panelRows(), 1);
        float[] x = new float[Math.toIntExact(p.in.floats() + p.in.lanes())];
        kernels.toBlocked(Tensor.uniform(in, -1, 1, 62).array(), 0, p.in, x, 0, p.in.n() * p.in.blocks());
        float[] clean = new float[Math.toIntExact(p.out.floats())], poisoned = new float[clean.length];
        kernels.winogradConv(p, x, clean, null, x.length - p.in.lanes(), 0, p.items());
        int lanes = p.in.lanes(), last = p.in.blocks() - 1;
        for (int n = 0; n < p.in.n(); n++) {
            for (int i = 0; i < p.in.spatial(); i++) {
                for (int l = p.channelsOf(last); l < lanes; l++) {
                    x[n * p.in.imageStride() + last * p.in.blockStride() + i * lanes + l] = Float.NaN;
                }
            }
        }
        kernels.winogradConv(p, x, poisoned, null, x.length - p.in.lanes(), 0, p.items());
        float[] plainClean = new float[plan.outputShape().intSize()], plainPoisoned = new float[plainClean.length];
        kernels.toPlain(clean, p.out, plainClean, 0, 0, p.out.n() * p.out.blocks());
        kernels.toPlain(poisoned, p.out, plainPoisoned, 0, 0, p.out.n() * p.out.blocks());
        assertArrayEquals(plainClean, plainPoisoned);
    }

    /** The default setting picks Winograd where it measured faster, and the direct convolution elsewhere. */
    @Test
    void theDefaultChoosesWinogradWhereItPays() {
        int rows = CpuSettings.requestedVectorBits() == 0 ? 1 : VectorTileKernel.ROWS;
        assertEquals(ConvAlgorithm.WINOGRAD_4X4, chosen(1, 64, 64, 56, rows));
        assertEquals(ConvAlgorithm.WINOGRAD_4X4, chosen(1, 128, 128, 28, rows));
        assertEquals(ConvAlgorithm.WINOGRAD_4X4, chosen(4, 256, 256, 14, rows));
        assertEquals(ConvAlgorithm.WINOGRAD_4X4, chosen(1, 16, 16, 32, rows));
        assertEquals(ConvAlgorithm.WINOGRAD_4X4, chosen(1, 64, 64, 8, rows));
        assertEquals(ConvAlgorithm.WINOGRAD_4X4, chosen(12, 512, 512, 7, rows));
        assertEquals(ConvAlgorithm.IMPLICIT_GEMM, chosen(1, 256, 256, 14, rows), "9.4 MB of weights for 16 tiles");
        assertEquals(ConvAlgorithm.IMPLICIT_GEMM, chosen(8, 512, 512, 7, rows), "37.7 MB of weights for 32 tiles");
        assertEquals(ConvAlgorithm.IMPLICIT_GEMM, chosen(1, 512, 512, 7, rows), "37.7 MB of weights for 4 tiles");
        assertEquals(ConvAlgorithm.IMPLICIT_GEMM, chosen(3, 512, 512, 7, rows), "37.7 MB of weights for 12 tiles");
        assertEquals(ConvAlgorithm.IMPLICIT_GEMM, chosen(1, 3, 16, 32, rows), "3 input channels");
        assertEquals(ConvAlgorithm.IMPLICIT_GEMM, chosen(8, 64, 64, 1, rows), "36 multiplies for 1 output");
        assertEquals(ConvAlgorithm.IMPLICIT_GEMM, chosen(8, 64, 64, 2, rows), "36 multiplies for 4 outputs");
    }

    private static ConvAlgorithm chosen(int n, int c, int k, int hw, int panelRows) {
        GraphBuilder gb = new GraphBuilder();
        int y = gb.conv("conv", gb.input(Shape.nchw(n, c, hw, hw)), Tensor.zeros(Shape.nchw(k, c, 3, 3)), 1, 1);
        Plan plan = Planner.plan(gb.build(y));
        io.jresnet.plan.PlanOp.Conv conv = (io.jresnet.plan.PlanOp.Conv) plan.ops().get(0);
        Shape in = Shape.nchw(n, c, hw, hw), out = plan.outputShape();
        assertEquals(ConvAlgorithm.IMPLICIT_GEMM, ConvAlgorithm.choose(conv, in, out, 16, panelRows, CpuSettings.Winograd.OFF));
        return ConvAlgorithm.choose(conv, in, out, 16, panelRows, CpuSettings.Winograd.WHERE_FASTER);
    }

    /**
     * Winograd (forced with {@code winograd=always}, and checked to be chosen) against the reference,
     * then against the direct convolution ({@code winograd=false}) on the same backend kind.
     */
    private static void check(Plan plan, Tensor input, String what) {
        Tensor expected;
        try (ReferenceBackend ref = new ReferenceBackend(); CompiledModel m = ref.compile(plan); Session s = m.newSession()) {
            expected = s.run(input);
        }
        Tensor winograd = run(plan, input, "always", ConvAlgorithm.WINOGRAD_4X4);
        Compare.assertClose(expected, winograd, ATOL, RTOL, what + " winograd vs reference");
        Tensor direct = run(plan, input, "false", ConvAlgorithm.IMPLICIT_GEMM);
        Compare.assertClose(direct, winograd, ATOL, RTOL, what + " winograd vs direct");
    }

    private static Tensor run(Plan plan, Tensor input, String winograd, ConvAlgorithm expected) {
        BackendOptions options = new BackendOptions(2, Map.of("winograd", winograd));
        try (CpuBackend cpu = new CpuBackend(options); CompiledModel m = cpu.compile(plan); Session s = m.newSession()) {
            assertEquals(expected, ((CpuCompiledModel) m).convAlgorithms().get("conv"),
                    "algorithm of conv, winograd=" + winograd);
            Tensor first = s.run(input);
            // A second run over the same buffers gives the same result (no state kept between runs).
            Compare.assertClose(first, s.run(input), 0, 0, "second run, winograd=" + winograd);
            return first;
        }
    }
}
