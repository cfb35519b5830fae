package io.jresnet.plan;

import io.jresnet.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * What a backend compiles: the fused ops of a network for one input shape, in execution order, and
 * the buffers their values live in. Values whose lifetimes do not overlap share a buffer; a
 * reshape's output shares its input's buffer. Only {@link PlanOp}s appear.
 *
 * <p>Buffer sizes are in floats of the plain NCHW layout; a backend with a blocked layout keeps the
 * same buffer assignment and sizes each buffer for its own layout ({@link #valuesIn}).
 */
public final class Plan {
    /** The graph's values and shapes, without its ops: those hold the unfolded weights. */
    private final Graph graph;
    /** The ops; a plan {@link #forOneCompile for one compile} clears each slot as a backend takes it. */
    private final PlanOp[] opSlots;
    private final List<PlanOp> ops;
    private final int[] bufferOf;
    private final long[] bufferFloats;
    private final int[] owner;
    private final boolean oneCompile;
    /** Whether a backend has taken a one-compile plan's ops; only ever set from false to true. */
    private boolean taken;

    Plan(Graph graph, List<PlanOp> ops, int[] bufferOf, long[] bufferFloats, int[] owner) {
        this(graph.shapesOnly(), ops.toArray(PlanOp[]::new), bufferOf, bufferFloats, owner, false);
    }

    private Plan(Graph shapes, PlanOp[] opSlots, int[] bufferOf, long[] bufferFloats, int[] owner, boolean oneCompile) {
        for (PlanOp op : opSlots) Objects.requireNonNull(op, "plan op");
        this.graph = shapes;
        this.opSlots = opSlots;
        this.ops = Collections.unmodifiableList(Arrays.asList(opSlots));
        this.bufferOf = bufferOf;
        this.bufferFloats = bufferFloats;
        this.owner = owner;
        this.oneCompile = oneCompile;
    }

    /**
     * {@return a copy of this plan that a backend compiles once, dropping each op's weights as it packs
     * them} A backend with its own weight layout (cpu) packs a copy of every weight; while it compiles an
     * ordinary plan, the plan's copy and the packed one are both alive, about 100 MB each for ResNet-50.
     * The copy returned hands each op to the backend once ({@link #opsToCompile}) and forgets it, so
     * the plan's weights are garbage layer by layer and peak memory is about one copy of the weights.
     * Once a backend has taken its ops that way, it has none: {@link #ops()} and a second compile throw
     * (a backend that compiles from {@link #ops()}, as the reference backend does, keeps them all and
     * gains nothing). This plan is unchanged and still holds every op: drop it, as in
     * {@code backend.compile(Planner.plan(graph).forOneCompile())}.
     */
    public Plan forOneCompile() {
        return new Plan(graph, ops().toArray(PlanOp[]::new), bufferOf, bufferFloats, owner, true);
    }

    /**
     * {@return the ops in execution order, for a backend compiling this plan} For an ordinary plan,
     * {@link #ops()}. For a plan {@linkplain #forOneCompile for one compile}, each op exactly once, the
     * plan's reference to it cleared as it is handed out: a backend that keeps no reference to an op
     * after packing it lets its weights be collected. Such a plan can be iterated this way only once.
     */
    public Iterable<PlanOp> opsToCompile() {
        if (!oneCompile) return ops;
        synchronized (this) {
            if (taken) throw consumed();
            taken = true;
        }
        return () -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < opSlots.length;
            }

            @Override
            public PlanOp next() {
                if (!hasNext()) throw new NoSuchElementException();
                PlanOp op = opSlots[next];
                opSlots[next++] = null;
                return op;
            }
        };
    }

    private IllegalStateException consumed() {
        return new IllegalStateException("this plan was made for one compile (Plan.forOneCompile) and has been"
                + " compiled: its ops and their weights are gone; plan the graph again to compile it again");
    }

    /** {@return the number of ops, also after a one-compile plan has been compiled} */
    public int opCount() {
        return opSlots.length;
    }

    /**
     * The value whose memory {@code value} is: itself, or for the output of a (removed) reshape, the
     * value it reshapes.
     *
     * @param value the value's id
     * @return the id of the value that owns its storage
     */
    public int storageOwner(int value) {
        return owner[value];
    }

    /**
     * {@return the fused ops in execution order}
     *
     * @throws IllegalStateException for a plan {@linkplain #forOneCompile for one compile} that a backend
     *     has compiled
     */
    public List<PlanOp> ops() {
        if (oneCompile) { // an ordinary plan never locks: the reference backend calls this on every run
            synchronized (this) {
                if (taken) throw consumed();
            }
        }
        return ops;
    }

    /**
     * {@return the shape of a value}
     *
     * @param value the value's id
     */
    public Shape shape(int value) {
        return graph.shape(value);
    }

    /** {@return the input value's id} */
    public int input() {
        return graph.input();
    }

    /** {@return the output value's id} */
    public int output() {
        return graph.output();
    }

    /** {@return the input's shape; its first dimension is the planned batch} */
    public Shape inputShape() {
        return graph.inputShape();
    }

    /** {@return the output's shape at the planned batch} */
    public Shape outputShape() {
        return graph.outputShape();
    }

    /** {@return the number of values; ids run from 0 to this, exclusive} */
    public int valueCount() {
        return graph.valueCount();
    }

    /**
     * {@return the buffer holding {@code value}, or -1 for a value the plan never materialises}
     *
     * @param value the value's id
     */
    public int buffer(int value) {
        return bufferOf[value];
    }

    /** {@return the number of buffers} */
    public int bufferCount() {
        return bufferFloats.length;
    }

    /**
     * {@return the size of buffer {@code b} in floats: the largest value it ever holds}
     *
     * @param b the buffer's index
     */
    public long bufferFloats(int b) {
        return bufferFloats[b];
    }

    /** {@return the total activation memory in floats} */
    public long totalBufferFloats() {
        long t = 0;
        for (long f : bufferFloats) t += f;
        return t;
    }

    /**
     * {@return the values that live in buffer {@code b} at some time}
     *
     * @param b the buffer's index
     */
    public List<Integer> valuesIn(int b) {
        List<Integer> vs = new ArrayList<>();
        for (int v = 0; v < bufferOf.length; v++) if (bufferOf[v] == b) vs.add(v);
        return vs;
    }

    /** {@return the multiply-accumulates of one run} */
    public long macs() {
        long m = 0;
        for (PlanOp op : ops()) m += op.macs(graph);
        return m;
    }

    /**
     * {@return the multiply-accumulates of one op per run}
     *
     * @param op one of this plan's ops
     */
    public long macs(PlanOp op) {
        return op.macs(graph);
    }

    /** {@return one line per op: index, kind, name, input and output shapes, buffers} */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        List<PlanOp> all = ops();
        for (int i = 0; i < all.size(); i++) {
            PlanOp op = all.get(i);
            sb.append(String.format("%3d %-13s %-28s", i, op.getClass().getSimpleName(), op.name()));
            for (int v : op.inputs()) sb.append(" v").append(v).append(shape(v)).append("@b").append(buffer(v));
            sb.append(" -> v").append(op.output()).append(shape(op.output())).append("@b").append(buffer(op.output()));
            if (op instanceof PlanOp.Conv c) sb.append(c.residual() >= 0 ? " +res" : "").append(c.relu() ? " +relu" : "");
            sb.append('\n');
        }
        return sb.toString();
    }
}
