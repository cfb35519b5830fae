package io.jresnet.plan;

import io.jresnet.tensor.Shape;
import java.util.ArrayList;
import java.util.List;

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
    private final List<PlanOp> ops;
    private final int[] bufferOf;
    private final long[] bufferFloats;
    private final int[] owner;

    Plan(Graph graph, List<PlanOp> ops, int[] bufferOf, long[] bufferFloats, int[] owner) {
        this.graph = graph.shapesOnly();
        this.ops = List.copyOf(ops);
        this.bufferOf = bufferOf;
        this.bufferFloats = bufferFloats;
        this.owner = owner;
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

    /** {@return the fused ops in execution order} */
    public List<PlanOp> ops() {
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
        for (PlanOp op : ops) m += op.macs(graph);
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
        for (int i = 0; i < ops.size(); i++) {
            PlanOp op = ops.get(i);
            sb.append(String.format("%3d %-13s %-28s", i, op.getClass().getSimpleName(), op.name()));
            for (int v : op.inputs()) sb.append(" v").append(v).append(shape(v)).append("@b").append(buffer(v));
            sb.append(" -> v").append(op.output()).append(shape(op.output())).append("@b").append(buffer(op.output()));
            if (op instanceof PlanOp.Conv c) sb.append(c.residual() >= 0 ? " +res" : "").append(c.relu() ? " +relu" : "");
            sb.append('\n');
        }
        return sb.toString();
    }
}
