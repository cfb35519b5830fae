package io.jresnet.plan;

import java.util.List;

import io.jresnet.tensor.Shape;

/**
 * A dataflow graph of {@link Op}s over numbered values, in a valid execution (topological) order.
 * Every value is written by exactly one op, except the input. Built by {@link GraphBuilder}, from a
 * network ({@code Module.toGraph}) or from an imported file; turned into a {@link Plan} by
 * {@link Planner}.
 */
public final class Graph {
    private final List<Shape> shapes;
    private final List<Op> ops;
    private final int input;
    private final int output;

    Graph(List<Shape> shapes, List<Op> ops, int input, int output) {
        this.shapes = List.copyOf(shapes);
        this.ops = List.copyOf(ops);
        this.input = input;
        this.output = output;
    }

    public Shape shape(int value) {
        return shapes.get(value);
    }

    public int valueCount() {
        return shapes.size();
    }

    public List<Op> ops() {
        return ops;
    }

    public int input() {
        return input;
    }

    public int output() {
        return output;
    }

    public Shape inputShape() {
        return shapes.get(input);
    }

    public Shape outputShape() {
        return shapes.get(output);
    }

    /** Multiply-accumulates of one run (convolutions and linear layers). */
    public long macs() {
        long m = 0;
        for (Op op : ops) m += op.macs(this);
        return m;
    }

    /** The ops reading each value, indexed by value id. */
    int[] consumerCounts() {
        int[] counts = new int[shapes.size()];
        for (Op op : ops) for (int v : op.inputs()) counts[v]++;
        counts[output]++; // the caller reads the output
        return counts;
    }
}
