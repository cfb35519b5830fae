package io.jresnet.cpu;

import io.jresnet.BackendException;
import io.jresnet.ShapeException;
import io.jresnet.backend.AbstractSession;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.plan.PlanOp;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan compiled for the cpu backend: a list of {@link Step}s over numbered buffers, each step an
 * op (or a layout conversion) split over the backend's threads by work item. The steps hold the
 * packed weights ({@link ConvPlan} and friends) and buffer numbers, never buffers, so one compiled
 * model serves any number of {@link CpuSession}s, each with buffers of its own.
 *
 * <p>Layouts: 4-D activations live in the blocked layout ({@link Blocked}); the network input,
 * global-average-pool results, linear and softmax values are plain. Compilation walks the plan in
 * order, tracking which layout each buffer holds, and inserts a conversion into a scratch buffer
 * where an op reads a value in the other layout (for ResNets: once, for the input image). Buffers
 * keep the plan's assignment, each sized for its largest value in either layout plus one block of
 * zeros at the end that the convolution kernel reads for padded positions.
 *
 * <p>Immutable once built, so thread-safe. Sessions share the backend's thread pool: with more than one
 * worker their runs take turns on it; a backend of one thread runs each session on its caller's
 * thread, so N sessions on N threads run in parallel. Steady-state runs allocate nothing.
 */
final class CpuCompiledModel implements CompiledModel {
    /** A unit of scheduled work: an op over {@code items} work items, reading and writing buffers by number. */
    abstract class Step {
        final String name;
        final int items;
        /** Index in {@code plan.ops()} of the op this step belongs to (conversions count for their reader). */
        final int op;
        /** Whether the step is worth handing to the pool: see {@link #SPLIT_NANOS}. */
        final boolean split;

        /** {@code nanos} is a rough one-thread time ({@link #macsNanos}, {@link #floatsNanos}). */
        Step(String name, int items, long nanos) {
            this.name = name;
            this.items = items;
            this.op = compilingOp;
            this.split = items > 1 && pool.size() > 1 && nanos >= SPLIT_NANOS;
        }

        /** Computes items [from, to) over the session's buffers {@code b}. */
        abstract void compute(float[][] b, int from, int to);

        /**
         * Items {@code [from, to)}, one kernel call each. C2 compiles a method once it has been
         * invoked about 600 times (Tier4MinInvocationThreshold), whatever its loops do: a kernel
         * called once per run for its whole range (global average pooling, the stem) stayed in
         * C1 code, where the Vector API allocates, for hundreds of runs (ResNet-50's pooling took
         * 2.9 ms instead of 7 us). One call per item reaches the threshold within a few runs.
         */
        final void computeEach(float[][] b, int from, int to) {
            for (int i = from; i < to; i++) compute(b, i, i + 1);
        }
    }

    /**
     * Steps estimated to take less than this on one thread run on the calling thread alone: waking
     * the workers and waiting for the slowest costs a few microseconds, more than splitting saves
     * (the shortcut pads, pools and the classifier of a CIFAR ResNet).
     */
    static final long SPLIT_NANOS = 10_000;

    /** A rough one-thread time of a step of {@code macs} multiply-adds: about 50 per ns. */
    static long macsNanos(long macs) {
        return macs / 50;
    }

    /** A rough one-thread time of a step that streams {@code floats} floats: about 4 per ns. */
    static long floatsNanos(long floats) {
        return floats / 4;
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

    /**
     * The plan, only while the constructor compiles it: its weights (batch norm folded in) are copies
     * the packed ones replace, so holding it would keep a second copy of a model's weights for life.
     */
    private Plan plan;
    private final Shape inputShape;
    private final Shape outputShape;
    private final int opCount;
    private final CpuKernels kernels;
    private final WorkerPool pool;
    private final int lanes;
    private final CpuSettings.Winograd winograd;
    /** The algorithm chosen for each convolution, by op name. */
    private final Map<String, ConvAlgorithm> convAlgorithms = new LinkedHashMap<>();
    /** Floats of each numbered buffer, including the block of zeros at its end. */
    private final List<Integer> bufferFloats = new ArrayList<>();
    private final BufferState[] states;
    private final Step[] steps;
    private final int inputBuffer;
    private final int outputBuffer;
    private final boolean outputBlocked;
    private final Blocked outputGeometry;
    private final int outputOp;
    private volatile boolean closed;
    /** The op being compiled, recorded by each {@link Step} created for it. */
    private int compilingOp = -1;

    CpuCompiledModel(Plan plan, CpuKernels kernels, WorkerPool pool, CpuSettings.Winograd winograd) {
        this.plan = plan;
        this.kernels = kernels;
        this.pool = pool;
        this.lanes = kernels.lanes();
        this.winograd = winograd;
        for (int b = 0; b < plan.bufferCount(); b++) {
            long floats = plan.bufferFloats(b);
            for (int v : plan.valuesIn(b)) floats = Math.max(floats, Blocked.of(plan.shape(v), lanes).floats());
            bufferFloats.add(withZeros(floats, "buffer " + b));
        }
        this.states = new BufferState[plan.bufferCount()];
        this.inputBuffer = plan.buffer(plan.input());
        states[inputBuffer] = new BufferState(Layout.PLAIN, plan.inputShape());
        List<Step> list = new ArrayList<>();
        // A plan for one compile hands out each op once: its weights are garbage once packed.
        for (PlanOp op : plan.opsToCompile()) {
            compilingOp++;
            list.add(compile(op, list));
        }
        this.steps = list.toArray(Step[]::new);
        this.outputBuffer = plan.buffer(plan.output());
        BufferState out = states[outputBuffer];
        this.outputBlocked = out.layout == Layout.BLOCKED;
        this.outputGeometry = Blocked.of(out.shape, lanes);
        this.outputOp = compilingOp;
        this.inputShape = plan.inputShape();
        this.outputShape = plan.outputShape();
        this.opCount = plan.opCount();
        this.plan = null;
    }

    private int withZeros(long floats, String what) {
        long total = floats + lanes;
        if (total > Integer.MAX_VALUE - 8) {
            throw new ShapeException("cpu backend: " + what + " needs " + floats + " floats, more than one float[] holds");
        }
        return (int) total;
    }

    private int scratch(long floats) {
        bufferFloats.add(withZeros(floats, "scratch buffer"));
        return bufferFloats.size() - 1;
    }

    /** Offset of the block of zeros at the end of a buffer. */
    private int zero(int index) {
        return bufferFloats.get(index) - lanes;
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
        out.add(new Step(opName + ":to-blocked", want.n() * want.blocks(), floatsNanos(want.floats())) {
            @Override
            void compute(float[][] b, int from, int to) {
                kernels.toBlocked(b[plain], 0, want, b[dst], from, to);
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
        out.add(new Step(opName + ":to-plain", g.n() * g.blocks(), floatsNanos(g.floats())) {
            @Override
            void compute(float[][] bufs, int from, int to) {
                kernels.toPlain(bufs[b], g, bufs[dst], 0, from, to);
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

    private Step compile(PlanOp op, List<Step> out) {
        CpuKernels k = kernels;
        switch (op) {
            case PlanOp.Conv c -> {
                Shape inShape = plan.shape(c.input()), outShape = plan.shape(c.output());
                ConvAlgorithm algorithm = ConvAlgorithm.choose(c, inShape, outShape, lanes, kernels.panelRows(), winograd);
                convAlgorithms.put(c.name(), algorithm);
                if (algorithm == ConvAlgorithm.GROUPED_LANES) {
                    GroupedConvPlan gp = GroupedConvPlan.create(c, inShape, outShape, lanes, pool.size());
                    int xi = readBlocked(c.input(), inShape, out, c.name());
                    int ri = c.residual() >= 0 ? readBlocked(c.residual(), outShape, out, c.name()) : -1;
                    int zero = zero(xi);
                    int yi = write(c.output(), Layout.BLOCKED);
                    return new Step(c.name(), gp.items(), macsNanos(gp.macs())) {
                        @Override
                        void compute(float[][] b, int from, int to) {
                            k.groupedConv(gp, b[xi], b[yi], ri >= 0 ? b[ri] : null, zero, from, to);
                        }
                    };
                }
                // The plans first: they check the op. A stem over fewer channels than a block reads a
                // plain input as it is (no conversion).
                boolean winograd4x4 = algorithm == ConvAlgorithm.WINOGRAD_4X4;
                WinogradPlan wp = winograd4x4 ? WinogradPlan.create(c, inShape, outShape, lanes, k.panelRows(), pool.size()) : null;
                ConvPlan p = winograd4x4 ? null : ConvPlan.create(c, inShape, outShape, lanes, pool.size(),
                        lanes > 1 && ConvPlan.stages(inShape.c(), lanes) && state(c.input(), c.name()).layout == Layout.PLAIN);
                int xi = p != null && p.plainInput ? readPlain(c.input(), out, c.name())
                        : readBlocked(c.input(), inShape, out, c.name());
                int ri = c.residual() >= 0 ? readBlocked(c.residual(), outShape, out, c.name()) : -1;
                int zero = zero(xi);
                int yi = write(c.output(), Layout.BLOCKED);
                if (wp != null) {
                    return new Step(c.name(), wp.items(), macsNanos(wp.multiplies())) {
                        @Override
                        void compute(float[][] b, int from, int to) {
                            k.winogradConv(wp, b[xi], b[yi], ri >= 0 ? b[ri] : null, zero, from, to);
                        }
                    };
                }
                return new Step(c.name(), p.items(), macsNanos(p.macs())) {
                    @Override
                    void compute(float[][] b, int from, int to) {
                        k.conv(p, b[xi], b[yi], ri >= 0 ? b[ri] : null, zero, from, to);
                    }
                };
            }
            case PlanOp.MaxPool m -> {
                Shape in = requireRank4(m.name(), plan.shape(m.input()));
                PoolPlan p = new PoolPlan(m.name(), Blocked.of(in, lanes), Blocked.of(plan.shape(m.output()), lanes),
                        m.kernelH(), m.kernelW(), m.strideH(), m.strideW(), m.padTop(), m.padLeft());
                int xi = readBlocked(m.input(), in, out, m.name());
                int yi = write(m.output(), Layout.BLOCKED);
                return new Step(m.name(), p.items(), floatsNanos(p.out().floats() * m.kernelH() * m.kernelW())) {
                    @Override
                    void compute(float[][] b, int from, int to) {
                        k.maxPool(p, b[xi], b[yi], from, to);
                    }
                };
            }
            case PlanOp.GlobalAvgPool g -> {
                Shape in = requireRank4(g.name(), plan.shape(g.input()));
                Blocked geometry = Blocked.of(in, lanes);
                int xi = readBlocked(g.input(), in, out, g.name());
                int yi = write(g.output(), Layout.PLAIN);
                return new Step(g.name(), geometry.n() * geometry.blocks(), floatsNanos(geometry.floats())) {
                    @Override
                    void compute(float[][] b, int from, int to) {
                        k.globalAvgPool(geometry, b[xi], b[yi], from, to);
                    }
                };
            }
            case PlanOp.Linear l -> {
                LinearPlan p = new LinearPlan(l, plan.shape(l.output()).dim(0), plan.shape(l.input()).size(), lanes);
                int xi = readPlain(l.input(), out, l.name());
                int yi = write(l.output(), Layout.PLAIN);
                return new Step(l.name(), p.items(), macsNanos(plan.macs(l))) {
                    @Override
                    void compute(float[][] b, int from, int to) {
                        k.linear(p, b[xi], b[yi], from, to);
                    }
                };
            }
            case PlanOp.Add a -> {
                Shape shape = plan.shape(a.output());
                boolean plain = state(a.a(), a.name()).layout == Layout.PLAIN
                        && state(a.b(), a.name()).layout == Layout.PLAIN;
                int x1, x2;
                int count;
                if (plain) {
                    x1 = readPlain(a.a(), out, a.name());
                    x2 = readPlain(a.b(), out, a.name());
                    count = shape.intSize();
                } else {
                    x1 = readBlocked(a.a(), shape, out, a.name());
                    x2 = readBlocked(a.b(), shape, out, a.name());
                    count = Math.toIntExact(Blocked.of(shape, lanes).floats());
                }
                int yi = write(a.output(), plain ? Layout.PLAIN : Layout.BLOCKED);
                // Items are chunks of 1024 floats, so threads split large adds and skip tiny ones.
                int chunk = 1024, items = (count + chunk - 1) / chunk;
                boolean relu = a.relu();
                return new Step(a.name(), items, floatsNanos(count)) {
                    @Override
                    void compute(float[][] b, int from, int to) {
                        k.add(b[x1], b[x2], b[yi], from * chunk, Math.min(count, to * chunk), relu);
                    }
                };
            }
            case PlanOp.Affine a -> {
                Shape in = plan.shape(a.input());
                Blocked geometry = Blocked.of(in, lanes);
                if (a.scale().size() != geometry.c() || a.shift().size() != geometry.c()) {
                    throw new ShapeException(a.name() + ": affine of " + a.scale().size() + " channels applied to " + in);
                }
                AffinePlan p = AffinePlan.create(a, geometry);
                int xi = readBlocked(a.input(), in, out, a.name());
                int yi = write(a.output(), Layout.BLOCKED);
                return new Step(a.name(), p.items(), floatsNanos(geometry.floats())) {
                    @Override
                    void compute(float[][] b, int from, int to) {
                        k.affine(p, b[xi], b[yi], from, to);
                    }
                };
            }
            case PlanOp.ShortcutPad s -> {
                Shape in = requireRank4(s.name(), plan.shape(s.input()));
                PadPlan p = new PadPlan(s.name(), Blocked.of(in, lanes), Blocked.of(plan.shape(s.output()), lanes),
                        s.stride(), s.channelsBefore());
                int xi = readBlocked(s.input(), in, out, s.name());
                int yi = write(s.output(), Layout.BLOCKED);
                return new Step(s.name(), p.items(), floatsNanos(p.out().floats())) {
                    @Override
                    void compute(float[][] b, int from, int to) {
                        k.shortcutPad(p, b[xi], b[yi], from, to);
                    }
                };
            }
            case PlanOp.Softmax s -> {
                Shape in = plan.shape(s.input());
                int rows = in.dim(0), cols = Math.toIntExact(in.size() / Math.max(1, rows));
                int xi = readPlain(s.input(), out, s.name());
                int yi = write(s.output(), Layout.PLAIN);
                return new Step(s.name(), rows, floatsNanos(in.size())) {
                    @Override
                    void compute(float[][] b, int from, int to) {
                        k.softmax(b[xi], b[yi], cols, from, to);
                    }
                };
            }
        }
    }

    private static Shape requireRank4(String name, Shape s) {
        if (s.rank() != 4) throw new ShapeException(name + ": expected an NCHW input (rank 4), found " + s);
        return s;
    }

    @Override
    public Shape inputShape() {
        return inputShape;
    }

    @Override
    public Shape outputShape() {
        return outputShape;
    }

    @Override
    public Session newSession() {
        checkOpen();
        return new CpuSession();
    }

    private void checkOpen() {
        if (closed) throw new BackendException("cpu backend: compiled model used after close()");
    }

    /** Steps in execution order, for tests. */
    List<String> stepNames() {
        List<String> names = new ArrayList<>();
        for (Step s : steps) names.add(s.name);
        return names;
    }

    /** The algorithm chosen for each convolution, by op name, for tests. */
    Map<String, ConvAlgorithm> convAlgorithms() {
        return java.util.Collections.unmodifiableMap(convAlgorithms);
    }

    /** The packed weights belong to the steps; they go with the last reference to this model. */
    @Override
    public void close() {
        closed = true;
    }

    /**
     * A {@link Step} bound to one session's buffers: what the worker pool runs. Threads claim items
     * as they go, a few per claim ({@link WorkerPool#run(WorkerPool.ItemTask)}).
     */
    private static final class BoundStep implements WorkerPool.ItemTask {
        final Step step;
        final float[][] buffers;
        final int grain;

        BoundStep(Step step, float[][] buffers, int threads) {
            this.step = step;
            this.buffers = buffers;
            this.grain = Math.max(1, step.items / (8 * threads));
        }

        @Override
        public int items() {
            return step.items;
        }

        @Override
        public int grain() {
            return grain;
        }

        @Override
        public void compute(int from, int to) {
            step.computeEach(buffers, from, to);
        }
    }

    /** Owns the buffers of one run at a time; built in one allocation burst, then allocation-free. */
    private final class CpuSession extends AbstractSession {
        private final float[][] buffers = new float[bufferFloats.size()][];
        private final BoundStep[] bound = new BoundStep[steps.length];
        private final OutputTask output;

        CpuSession() {
            super(CpuCompiledModel.this);
            for (int b = 0; b < buffers.length; b++) buffers[b] = new float[bufferFloats.get(b)];
            for (int i = 0; i < steps.length; i++) bound[i] = new BoundStep(steps[i], buffers, pool.size());
            this.output = new OutputTask(buffers[outputBuffer]);
        }

        /** Each step's time goes to its op; the final layout conversion counts for the last op. */
        @Override
        protected void execute(Tensor input, Tensor out, long[] nanosPerOp) {
            checkOpen();
            if (nanosPerOp != null && nanosPerOp.length < opCount) {
                throw new ShapeException("nanosPerOp has " + nanosPerOp.length + " entries for " + opCount + " ops");
            }
            System.arraycopy(input.array(), input.offset(), buffers[inputBuffer], 0, input.size());
            for (int i = 0; i < bound.length; i++) {
                BoundStep s = bound[i];
                if (i > 0) stopIfInterrupted(i, bound.length);
                long t0 = nanosPerOp == null ? 0 : System.nanoTime();
                if (s.step.split) pool.run(s);
                else s.step.computeEach(buffers, 0, s.step.items);
                if (nanosPerOp != null) nanosPerOp[s.step.op] += System.nanoTime() - t0;
            }
            long t0 = nanosPerOp == null ? 0 : System.nanoTime();
            if (outputBlocked) {
                output.dst = out.array();
                output.dstOff = out.offset();
                pool.run(output);
                output.dst = null;
            } else {
                System.arraycopy(buffers[outputBuffer], 0, out.array(), out.offset(), out.size());
            }
            if (nanosPerOp != null && outputOp >= 0) nanosPerOp[outputOp] += System.nanoTime() - t0;
        }

        @Override
        protected void release() {
            java.util.Arrays.fill(buffers, null);
        }
    }

    /** Converts the blocked result into the caller's tensor; its target is set per run. */
    private final class OutputTask implements WorkerPool.ItemTask {
        final float[] src;
        final int items = outputGeometry.n() * outputGeometry.blocks();
        float[] dst;
        int dstOff;

        OutputTask(float[] src) {
            this.src = src;
        }

        @Override
        public int items() {
            return items;
        }

        @Override
        public int grain() {
            return Math.max(1, items / (8 * pool.size()));
        }

        @Override
        public void compute(int from, int to) {
            for (int i = from; i < to; i++) kernels.toPlain(src, outputGeometry, dst, dstOff, i, i + 1);
        }
    }
}
