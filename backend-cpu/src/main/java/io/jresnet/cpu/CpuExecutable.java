package io.jresnet.cpu;

import io.jresnet.BackendException;
import io.jresnet.ShapeException;
import io.jresnet.UnsupportedLayerException;
import io.jresnet.backend.Executable;
import io.jresnet.plan.Op;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A plan compiled for the cpu backend: a list of {@link Step}s over preallocated buffers, each step
 * an op (or a layout conversion) split over the backend's threads by work item.
 *
 * <p>Layouts: 4-D activations live in the blocked layout ({@link Blocked}); the network input,
 * global-average-pool results, linear and softmax values are plain. Compilation walks the plan in
 * order, tracking which layout each buffer holds, and inserts a conversion into a scratch buffer
 * where an op reads a value in the other layout (for ResNets: once, for the input image). Buffers
 * keep the plan's assignment, each sized for its largest value in either layout plus one block of
 * zeros at the end that the convolution kernel reads for padded positions.
 *
 * <p>Not thread-safe: one executable per thread (several may share one backend; their runs are
 * serialised on its thread pool). Steady-state {@link #run(Tensor, Tensor)} allocates nothing.
 */
final class CpuExecutable implements Executable {
    /** A unit of scheduled work: an op over {@code items} work items. */
    abstract class Step implements WorkerPool.Task {
        final String name;
        final int items;
        /** Index in {@code plan.ops()} of the op this step belongs to (conversions count for their reader). */
        final int op;

        Step(String name, int items) {
            this.name = name;
            this.items = items;
            this.op = compilingOp;
        }

        abstract void compute(int from, int to);

        @Override
        public final void run(int worker, int workers) {
            int from = WorkerPool.from(items, worker, workers), to = WorkerPool.from(items, worker + 1, workers);
            if (from < to) compute(from, to);
        }
    }

    private enum Layout { PLAIN, BLOCKED }

    /** What a buffer holds at a point of the plan, and conversions of it made since it was written. */
    private static final class BufferState {
        final Layout layout;
        final Shape shape;
        int plainCopy = -1;
        int blockedCopy = -1;
        Shape blockedCopyShape;

        BufferState(Layout layout, Shape shape) {
            this.layout = layout;
            this.shape = shape;
        }
    }

    private final Plan plan;
    private final CpuKernels kernels;
    private final WorkerPool pool;
    private final int lanes;
    private final List<float[]> buffers = new ArrayList<>();
    private final BufferState[] states;
    private final Step[] steps;
    private final int inputBuffer;
    private final int outputBuffer;
    private final boolean outputBlocked;
    private final Blocked outputGeometry;
    private final OutputStep outputStep;
    private boolean closed;
    /** The op being compiled, recorded by each {@link Step} created for it. */
    private int compilingOp = -1;

    CpuExecutable(Plan plan, CpuKernels kernels, WorkerPool pool) {
        this.plan = plan;
        this.kernels = kernels;
        this.pool = pool;
        this.lanes = kernels.lanes();
        for (int b = 0; b < plan.bufferCount(); b++) {
            long floats = plan.bufferFloats(b);
            for (int v : plan.valuesIn(b)) floats = Math.max(floats, Blocked.of(plan.shape(v), lanes).floats());
            buffers.add(allocate(floats, "buffer " + b));
        }
        this.states = new BufferState[plan.bufferCount()];
        this.inputBuffer = plan.buffer(plan.input());
        states[inputBuffer] = new BufferState(Layout.PLAIN, plan.inputShape());
        List<Step> list = new ArrayList<>();
        for (Op op : plan.ops()) {
            compilingOp++;
            list.add(compile(op, list));
        }
        this.steps = list.toArray(Step[]::new);
        this.outputBuffer = plan.buffer(plan.output());
        BufferState out = states[outputBuffer];
        this.outputBlocked = out.layout == Layout.BLOCKED;
        this.outputGeometry = Blocked.of(out.shape, lanes);
        this.outputStep = new OutputStep();
    }

    private float[] allocate(long floats, String what) {
        long withZeros = floats + lanes;
        if (withZeros > Integer.MAX_VALUE - 8) {
            throw new ShapeException("cpu backend: " + what + " needs " + floats + " floats, more than one float[] holds");
        }
        return new float[(int) withZeros];
    }

    private int scratch(long floats) {
        buffers.add(allocate(floats, "scratch buffer"));
        return buffers.size() - 1;
    }

    private float[] buf(int index) {
        return buffers.get(index);
    }

    /** Offset of the block of zeros at the end of a buffer. */
    private int zero(int index) {
        return buf(index).length - lanes;
    }

    private BufferState state(int value, String opName) {
        BufferState s = states[plan.buffer(value)];
        if (s == null) throw new BackendException("cpu backend: " + opName + " reads value " + value + " before it is written");
        return s;
    }

    /** The buffer holding {@code value} in the blocked layout, viewed with {@code view}; converts if needed. */
    private int readBlocked(int value, Shape view, List<Step> out, String opName) {
        BufferState s = state(value, opName);
        int b = plan.buffer(value);
        Blocked want = Blocked.of(view, lanes);
        if (s.layout == Layout.BLOCKED && Blocked.of(s.shape, lanes).sameView(want)) return b;
        if (s.blockedCopy >= 0 && Blocked.of(s.blockedCopyShape, lanes).sameView(want)) return s.blockedCopy;
        int plain = readPlain(value, out, opName);
        int dst = scratch(want.floats());
        float[] src = buf(plain), d = buf(dst);
        out.add(new Step(opName + ":to-blocked", want.n() * want.blocks()) {
            @Override
            void compute(int from, int to) {
                kernels.toBlocked(src, 0, want, d, from, to);
            }
        });
        s.blockedCopy = dst;
        s.blockedCopyShape = view;
        return dst;
    }

    /** The buffer holding {@code value} in plain NCHW order; converts if needed. */
    private int readPlain(int value, List<Step> out, String opName) {
        BufferState s = state(value, opName);
        int b = plan.buffer(value);
        if (s.layout == Layout.PLAIN) return b;
        if (s.plainCopy >= 0) return s.plainCopy;
        Blocked g = Blocked.of(s.shape, lanes);
        int dst = scratch(s.shape.size());
        float[] src = buf(b), d = buf(dst);
        out.add(new Step(opName + ":to-plain", g.n() * g.blocks()) {
            @Override
            void compute(int from, int to) {
                kernels.toPlain(src, g, d, 0, from, to);
            }
        });
        s.plainCopy = dst;
        return dst;
    }

    private int write(int value, Layout layout) {
        int b = plan.buffer(value);
        states[b] = new BufferState(layout, plan.shape(value));
        return b;
    }

    private Step compile(Op op, List<Step> out) {
        CpuKernels k = kernels;
        switch (op) {
            case Op.Conv c -> {
                ConvPlan p = ConvPlan.create(c, plan.shape(c.input()), plan.shape(c.output()), lanes, pool.size());
                int xi = readBlocked(c.input(), plan.shape(c.input()), out, c.name());
                int ri = c.residual() >= 0 ? readBlocked(c.residual(), plan.shape(c.output()), out, c.name()) : -1;
                float[] x = buf(xi), res = ri >= 0 ? buf(ri) : null;
                int zero = zero(xi);
                float[] y = buf(write(c.output(), Layout.BLOCKED));
                return new Step(c.name(), p.items()) {
                    @Override
                    void compute(int from, int to) {
                        k.conv(p, x, y, res, zero, from, to);
                    }
                };
            }
            case Op.MaxPool m -> {
                Shape in = requireRank4(m.name(), plan.shape(m.input()));
                PoolPlan p = new PoolPlan(m.name(), Blocked.of(in, lanes), Blocked.of(plan.shape(m.output()), lanes),
                        m.kernelH(), m.kernelW(), m.strideH(), m.strideW(), m.padTop(), m.padLeft());
                float[] x = buf(readBlocked(m.input(), in, out, m.name()));
                float[] y = buf(write(m.output(), Layout.BLOCKED));
                return new Step(m.name(), p.items()) {
                    @Override
                    void compute(int from, int to) {
                        k.maxPool(p, x, y, from, to);
                    }
                };
            }
            case Op.GlobalAvgPool g -> {
                Shape in = requireRank4(g.name(), plan.shape(g.input()));
                Blocked geometry = Blocked.of(in, lanes);
                float[] x = buf(readBlocked(g.input(), in, out, g.name()));
                float[] y = buf(write(g.output(), Layout.PLAIN));
                return new Step(g.name(), geometry.n() * geometry.blocks()) {
                    @Override
                    void compute(int from, int to) {
                        k.globalAvgPool(geometry, x, y, from, to);
                    }
                };
            }
            case Op.Linear l -> {
                LinearPlan p = new LinearPlan(l, plan.shape(l.output()).dim(0), plan.shape(l.input()).size(), lanes);
                float[] x = buf(readPlain(l.input(), out, l.name()));
                float[] y = buf(write(l.output(), Layout.PLAIN));
                return new Step(l.name(), p.items()) {
                    @Override
                    void compute(int from, int to) {
                        k.linear(p, x, y, from, to);
                    }
                };
            }
            case Op.Add a -> {
                Shape shape = plan.shape(a.output());
                boolean plain = state(a.a(), a.name()).layout == Layout.PLAIN
                        && state(a.b(), a.name()).layout == Layout.PLAIN;
                float[] x1, x2;
                int count;
                if (plain) {
                    x1 = buf(readPlain(a.a(), out, a.name()));
                    x2 = buf(readPlain(a.b(), out, a.name()));
                    count = shape.intSize();
                } else {
                    x1 = buf(readBlocked(a.a(), shape, out, a.name()));
                    x2 = buf(readBlocked(a.b(), shape, out, a.name()));
                    count = Math.toIntExact(Blocked.of(shape, lanes).floats());
                }
                float[] y = buf(write(a.output(), plain ? Layout.PLAIN : Layout.BLOCKED));
                // Items are chunks of 1024 floats, so threads split large adds and skip tiny ones.
                int chunk = 1024, items = (count + chunk - 1) / chunk;
                boolean relu = a.relu();
                return new Step(a.name(), items) {
                    @Override
                    void compute(int from, int to) {
                        k.add(x1, x2, y, from * chunk, Math.min(count, to * chunk), relu);
                    }
                };
            }
            case Op.Affine a -> {
                Shape in = plan.shape(a.input());
                Blocked geometry = Blocked.of(in, lanes);
                if (a.scale().size() != geometry.c() || a.shift().size() != geometry.c()) {
                    throw new ShapeException(a.name() + ": affine of " + a.scale().size() + " channels applied to " + in);
                }
                AffinePlan p = AffinePlan.create(a, geometry);
                float[] x = buf(readBlocked(a.input(), in, out, a.name()));
                float[] y = buf(write(a.output(), Layout.BLOCKED));
                return new Step(a.name(), p.items()) {
                    @Override
                    void compute(int from, int to) {
                        k.affine(p, x, y, from, to);
                    }
                };
            }
            case Op.ShortcutPad s -> {
                Shape in = requireRank4(s.name(), plan.shape(s.input()));
                PadPlan p = new PadPlan(s.name(), Blocked.of(in, lanes), Blocked.of(plan.shape(s.output()), lanes),
                        s.stride());
                float[] x = buf(readBlocked(s.input(), in, out, s.name()));
                float[] y = buf(write(s.output(), Layout.BLOCKED));
                return new Step(s.name(), p.items()) {
                    @Override
                    void compute(int from, int to) {
                        k.shortcutPad(p, x, y, from, to);
                    }
                };
            }
            case Op.Softmax s -> {
                Shape in = plan.shape(s.input());
                int rows = in.dim(0), cols = Math.toIntExact(in.size() / Math.max(1, rows));
                float[] x = buf(readPlain(s.input(), out, s.name()));
                float[] y = buf(write(s.output(), Layout.PLAIN));
                return new Step(s.name(), rows) {
                    @Override
                    void compute(int from, int to) {
                        k.softmax(x, y, cols, from, to);
                    }
                };
            }
            case Op.BatchNorm b -> throw new UnsupportedLayerException(b.name() + ": the plan holds an unfolded BatchNorm");
            case Op.Relu r -> throw new UnsupportedLayerException(r.name() + ": the plan holds an unfused ReLU");
            case Op.Reshape r -> throw new UnsupportedLayerException(r.name() + ": the plan holds a Reshape");
        }
    }

    private static Shape requireRank4(String name, Shape s) {
        if (s.rank() != 4) throw new ShapeException(name + ": expected an NCHW input (rank 4), found " + s);
        return s;
    }

    /** Converts the blocked result into the caller's tensor; its target is set per run. */
    private final class OutputStep extends Step {
        float[] dst;
        int dstOff;

        OutputStep() {
            super("output:to-plain", outputGeometry.n() * outputGeometry.blocks());
        }

        @Override
        void compute(int from, int to) {
            kernels.toPlain(buf(outputBuffer), outputGeometry, dst, dstOff, from, to);
        }
    }

    @Override
    public Shape inputShape() {
        return plan.inputShape();
    }

    @Override
    public Shape outputShape() {
        return plan.outputShape();
    }

    @Override
    public void run(Tensor input, Tensor output) {
        runProfiled(input, output, null);
    }

    @Override
    public boolean supportsProfiling() {
        return true;
    }

    /** Each step's time goes to its op; the final layout conversion counts for the last op. */
    @Override
    public void runProfiled(Tensor input, Tensor output, long[] nanosPerOp) {
        if (closed) throw new BackendException("cpu backend: executable used after close()");
        Executable.checkShapes(this, input, output);
        if (nanosPerOp != null && nanosPerOp.length < plan.ops().size()) {
            throw new ShapeException("nanosPerOp has " + nanosPerOp.length + " entries for " + plan.ops().size() + " ops");
        }
        System.arraycopy(input.array(), input.offset(), buf(inputBuffer), 0, input.size());
        for (Step s : steps) {
            long t0 = nanosPerOp == null ? 0 : System.nanoTime();
            execute(s);
            if (nanosPerOp != null) nanosPerOp[s.op] += System.nanoTime() - t0;
        }
        long t0 = nanosPerOp == null ? 0 : System.nanoTime();
        if (outputBlocked) {
            outputStep.dst = output.array();
            outputStep.dstOff = output.offset();
            execute(outputStep);
            outputStep.dst = null;
        } else {
            System.arraycopy(buf(outputBuffer), 0, output.array(), output.offset(), output.size());
        }
        if (nanosPerOp != null && outputStep.op >= 0) nanosPerOp[outputStep.op] += System.nanoTime() - t0;
    }

    /** Single-item steps run on the caller; a hand-off would cost more than they do. */
    private void execute(Step s) {
        if (s.items > 1) pool.run(s);
        else if (s.items == 1) s.compute(0, 1);
    }

    /** Steps in execution order, for tests. */
    List<String> stepNames() {
        List<String> names = new ArrayList<>();
        for (Step s : steps) names.add(s.name);
        return names;
    }

    @Override
    public void close() {
        closed = true;
        buffers.clear();
    }
}
