package io.jresnet.reference;

import io.jresnet.backend.Backend;
import io.jresnet.backend.AbstractSession;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.TrainingKernels;
import io.jresnet.backend.Session;
import io.jresnet.plan.PlanOp;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/** Runs a plan with {@link ReferenceKernels}, one op after another, on one thread. */
public final class ReferenceBackend implements Backend {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String device() {
        return ReferenceProvider.DEVICE;
    }

    @Override
    public CompiledModel compile(Plan plan) {
        return new ReferenceModel(plan);
    }

    @Override
    public TrainingKernels newTrainingKernels() {
        return new ReferenceTrainingKernels();
    }

    @Override
    public void close() {}

    /** The reference backend packs nothing: the compiled model is the plan itself. */
    record ReferenceModel(Plan plan) implements CompiledModel {
        @Override
        public Shape inputShape() {
            return plan.inputShape();
        }

        @Override
        public Shape outputShape() {
            return plan.outputShape();
        }

        @Override
        public Session newSession() {
            return new ReferenceSession(this);
        }

        @Override
        public void close() {}
    }

    static final class ReferenceSession extends AbstractSession {
        private final Plan plan;
        private final float[][] buffers;

        ReferenceSession(ReferenceModel model) {
            super(model);
            this.plan = model.plan();
            this.buffers = new float[plan.bufferCount()][];
            for (int b = 0; b < buffers.length; b++) buffers[b] = new float[Math.toIntExact(plan.bufferFloats(b))];
        }

        private float[] buf(int value) {
            return buffers[plan.buffer(value)];
        }

        @Override
        protected void execute(Tensor input, Tensor output, long[] nanosPerOp) {
            input.copyTo(java.nio.FloatBuffer.wrap(buf(plan.input()), 0, input.size()));
            for (int i = 0; i < plan.ops().size(); i++) {
                if (i > 0) stopIfInterrupted(i, plan.ops().size());
                long t0 = nanosPerOp == null ? 0 : System.nanoTime();
                execute(plan.ops().get(i));
                if (nanosPerOp != null) nanosPerOp[i] += System.nanoTime() - t0;
            }
            Tensor.wrap(buf(plan.output()), 0, plan.outputShape()).copyTo(
                    java.nio.FloatBuffer.wrap(output.array(), output.offset(), output.size()));
        }

        private void execute(PlanOp op) {
            switch (op) {
                case PlanOp.Conv c -> {
                    Shape in = plan.shape(c.input());
                    Shape out = plan.shape(c.output());
                    ReferenceKernels.conv2d(buf(c.input()), 0, in.n(), in.c(), in.h(), in.w(),
                            c.weight().array(), c.weight().offset(), c.outChannels(), c.kernelH(), c.kernelW(), c.groups(),
                            c.bias().array(), c.bias().offset(), c.strideH(), c.strideW(), c.padTop(), c.padLeft(),
                            buf(c.output()), 0, out.h(), out.w(),
                            c.residual() >= 0 ? buf(c.residual()) : null, 0, c.relu());
                }
                case PlanOp.Affine a -> {
                    Shape in = plan.shape(a.input());
                    int n = in.dim(0);
                    int ch = in.rank() > 1 ? in.dim(1) : 1;
                    int spatial = (int) (in.size() / Math.max(1, (long) n * ch));
                    ReferenceKernels.affine(buf(a.input()), 0, n, ch, spatial, a.scale().array(), a.scale().offset(),
                            a.shift().array(), a.shift().offset(), buf(a.output()), 0, a.relu());
                }
                case PlanOp.Add a -> ReferenceKernels.add(buf(a.a()), 0, buf(a.b()), 0, buf(a.output()), 0,
                        plan.shape(a.output()).intSize(), a.relu());
                case PlanOp.MaxPool m -> {
                    Shape in = plan.shape(m.input());
                    Shape out = plan.shape(m.output());
                    ReferenceKernels.maxPool(buf(m.input()), 0, in.n(), in.c(), in.h(), in.w(), m.kernelH(),
                            m.kernelW(), m.strideH(), m.strideW(), m.padTop(), m.padLeft(), buf(m.output()), 0,
                            out.h(), out.w());
                }
                case PlanOp.GlobalAvgPool g -> {
                    Shape in = plan.shape(g.input());
                    ReferenceKernels.globalAvgPool(buf(g.input()), 0, in.n(), in.c(), in.h() * in.w(),
                            buf(g.output()), 0);
                }
                case PlanOp.Linear l -> ReferenceKernels.linear(buf(l.input()), 0, plan.shape(l.output()).dim(0),
                        l.inFeatures(), l.weight().array(), l.weight().offset(), l.outFeatures(), l.bias().array(),
                        l.bias().offset(), buf(l.output()), 0, l.relu());
                case PlanOp.ShortcutPad p -> {
                    Shape in = plan.shape(p.input());
                    Shape out = plan.shape(p.output());
                    ReferenceKernels.shortcutPad(buf(p.input()), 0, in.n(), in.c(), in.h(), in.w(), p.stride(),
                            buf(p.output()), 0, out.c(), p.channelsBefore(), out.h(), out.w());
                }
                case PlanOp.Softmax s -> {
                    Shape in = plan.shape(s.input());
                    ReferenceKernels.softmax(buf(s.input()), 0, in.dim(0), in.dim(1), buf(s.output()), 0);
                }
            }
        }

    }
}
