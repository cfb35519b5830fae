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

    /**
     * {@return the shape of a value}
     *
     * @param value the value's id
     */
    public Shape shape(int value) {
        return shapes.get(value);
    }

    /** {@return the number of values; ids run from 0 to this, exclusive} */
    public int valueCount() {
        return shapes.size();
    }

    /** {@return the ops in execution order} */
    public List<Op> ops() {
        return ops;
    }

    /** {@return the input value's id} */
    public int input() {
        return input;
    }

    /** {@return the output value's id} */
    public int output() {
        return output;
    }

    /** {@return the input's shape} */
    public Shape inputShape() {
        return shapes.get(input);
    }

    /** {@return the output's shape} */
    public Shape outputShape() {
        return shapes.get(output);
    }

    /**
     * {@return the same graph ending at {@code value}: the ops up to the one that writes it, with
     * {@code value} as the output} For a classifier, the input of its last linear layer gives the
     * pooled features ("embeddings").
     *
     * @param value the new output, the input or a value some op writes
     * @throws IllegalArgumentException if no op writes {@code value} and it is not the input
     */
    public Graph upTo(int value) {
        if (value == input) return new Graph(shapes, List.of(), input, value);
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i).output() == value) return new Graph(shapes, ops.subList(0, i + 1), input, value);
        }
        throw new IllegalArgumentException("no op of the graph writes value " + value);
    }

    /**
     * {@return the values and their shapes without the ops} A {@link Plan} keeps this much of the
     * graph it was made from: the ops would keep every weight alive next to the plan's own copies.
     */
    Graph shapesOnly() {
        return new Graph(shapes, List.of(), input, output);
    }

    /** {@return the multiply-accumulates of one run (convolutions and linear layers)} */
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
