package io.jresnet.train;

import io.jresnet.ShapeException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Records a forward pass as it runs (define by run) so that {@link #backward} can replay it in
 * reverse. Each op in {@link Ops} computes its output eagerly and, if the tape is recording and
 * some input needs a gradient, appends one closure that reads the output's gradient and adds into
 * the gradients of its inputs and parameters. The recording order is a topological order of
 * whatever module tree produced it, so running the closures backwards is correct for any nesting of
 * sequences, blocks and shortcuts.
 *
 * <p>A recording tape is used for one backward pass, then cleared (its closures hold the
 * activations). Op outputs and their gradients live in the {@link TrainingContext}, reused by the
 * next tape on it: they stay valid until that tape records. {@link #inference()} gives a tape that records nothing, for evaluation with the same
 * fast kernels. Not thread-safe: one tape per forward pass.
 */
public final class Tape {
    private final boolean recording;
    private final TrainingContext context;
    private final List<Runnable> steps = new ArrayList<>();
    private int slots;
    private boolean consumed;

    private Tape(boolean recording, TrainingContext context) {
        this.recording = recording;
        this.context = context;
    }

    /** A tape that records, for training, with the run's kernels and buffers. */
    public static Tape recording(TrainingContext context) {
        return new Tape(true, context);
    }

    /** A tape that records nothing: forward only, nothing kept alive. */
    public static Tape inference(TrainingContext context) {
        return new Tape(false, context);
    }

    /** A recording tape on a fresh context with the reference kernels (tests, one-off passes). */
    public static Tape recording() {
        return recording(TrainingContext.reference());
    }

    /** An inference tape on a fresh context with the reference kernels (tests, one-off passes). */
    public static Tape inference() {
        return inference(TrainingContext.reference());
    }

    /** The kernels and buffers the ops on this tape use. */
    public TrainingContext context() {
        return context;
    }

    public boolean isRecording() {
        return recording;
    }

    /** An input whose gradient is not wanted (images). */
    public Var constant(Tensor value) {
        return new Var(value, false);
    }

    /** An input whose gradient is wanted (tests, or a tensor that is optimised directly). */
    public Var variable(Tensor value) {
        return new Var(value, true);
    }

    /**
     * A new op output of {@code shape}, its value (contents undefined: the op overwrites it) and its
     * gradient held by the context at this op's position on the tape and reused by later tapes.
     */
    Var output(Shape shape, boolean requiresGrad) {
        int slot = slots++;
        Tensor value = Tensor.wrap(context.value(slot, shape.intSize()), shape);
        return new Var(value, requiresGrad && recording, context, slot);
    }

    /** The output of an op that is not held by the context (a view, a scalar): it needs a gradient if an input does or the op has trainable parameters. */
    Var output(Tensor value, boolean requiresGrad) {
        return new Var(value, requiresGrad && recording);
    }

    /** Appends a backward step; ignored unless recording. */
    void record(Runnable backwardStep) {
        if (consumed) throw new IllegalStateException("this tape has already run backward; record a new forward pass");
        if (recording) steps.add(backwardStep);
    }

    /** Number of recorded backward steps. */
    public int size() {
        return steps.size();
    }

    /** Backpropagates from a scalar loss (seed gradient 1). */
    public void backward(Var loss) {
        if (loss.value().size() != 1) {
            throw new ShapeException("backward(loss) needs a single-element loss, found shape " + loss.shape()
                    + "; use backward(output, gradient)");
        }
        backward(loss, Tensor.zeros(loss.shape()).fill(1f));
    }

    /**
     * Backpropagates {@code gradOutput} (dLoss/dOutput) through everything recorded, adding into the
     * gradients of variables and of the trainable {@link io.jresnet.nn.Parameter}s the ops read.
     */
    public void backward(Var output, Tensor gradOutput) {
        if (!recording) throw new IllegalStateException("an inference tape records nothing to backpropagate");
        if (consumed) throw new IllegalStateException("backward already ran on this tape");
        if (!gradOutput.shape().equals(output.shape())) {
            throw new ShapeException("gradient of shape " + gradOutput.shape() + " for an output of shape "
                    + output.shape());
        }
        Tensor g = output.grad();
        for (int i = 0; i < g.size(); i++) g.array()[g.offset() + i] += gradOutput.array()[gradOutput.offset() + i];
        for (int i = steps.size() - 1; i >= 0; i--) steps.get(i).run();
        steps.clear();
        consumed = true;
    }
}
