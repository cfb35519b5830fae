package io.jresnet.cpu;

import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Plan;
import io.jresnet.plan.PlanOp;
import io.jresnet.plan.Planner;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.Arrays;

/**
 * One convolution on blocked buffers, to time the kernel alone ({@link CpuTimings}, {@link KernelAB}):
 * an executable's run would add the layout conversions of its plain input and output, which
 * outweigh a small layer. Seeded weights and input; padding {@code kernel / 2}; one thread's plan.
 *
 * @param plan the one-op plan (for its multiply-accumulates and shapes)
 * @param op its convolution
 * @param conv the implicit-GEMM plan of it
 * @param in the blocked input, with a zero block at {@code zero}
 * @param out the blocked output
 * @param zero where the zero block starts in {@code in}
 */
record ConvCase(Plan plan, PlanOp.Conv op, ConvPlan conv, float[] in, float[] out, int zero) {
    static ConvCase of(int batch, int c, int k, int hw, int kernel, int stride, int groups, int lanes) {
        GraphBuilder gb = new GraphBuilder();
        Shape inShape = Shape.nchw(batch, c, hw, hw);
        int x = gb.input(inShape);
        int pad = kernel / 2;
        int y = gb.conv("conv", x, Tensor.normal(Shape.nchw(k, c / groups, kernel, kernel), 0.05f, 5), null, groups,
                stride, stride, pad, pad, pad, pad);
        Plan plan = Planner.plan(gb.build(y));
        PlanOp.Conv op = (PlanOp.Conv) plan.ops().get(0);
        ConvPlan p = ConvPlan.create(op, inShape, plan.outputShape(), lanes, 1);
        float[] in = Tensor.uniform(Shape.of(Math.toIntExact(p.in.floats() + lanes)), -1, 1, 6).array();
        int zero = in.length - lanes;
        Arrays.fill(in, zero, in.length, 0f);
        return new ConvCase(plan, op, p, in, new float[Math.toIntExact(p.out.floats())], zero);
    }

    /** {@return one run of the implicit GEMM over every work item} */
    Runnable on(VectorKernels kernels) {
        return () -> kernels.conv(conv, in, out, null, zero, 0, conv.items());
    }
}
