package io.jresnet.backend;

import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * Runs a {@link CompiledModel}: owns the activation buffers of one run at a time. Use one session per
 * thread; a session used by two threads at once throws {@link IllegalStateException} instead of
 * mixing their buffers. Steady-state {@link #run(Tensor, Tensor)} allocates nothing.
 */
public interface Session extends AutoCloseable {
    CompiledModel model();

    /**
     * Runs the model on {@code input} and writes the result into {@code output}. The input's batch may
     * be any from 1 to the planned one (its other dimensions as planned); the output's batch must
     * equal the input's.
     */
    void run(Tensor input, Tensor output);

    /** Runs the model and returns a new output tensor with the input's batch. */
    default Tensor run(Tensor input) {
        Tensor out = Tensor.zeros(outputShapeFor(input.shape()));
        run(input, out);
        return out;
    }

    /** The output shape for an input of {@code input}'s batch. */
    default Shape outputShapeFor(Shape input) {
        return model().outputShape().withBatch(input.dim(0));
    }

    /**
     * Runs like {@link #run(Tensor, Tensor)} and adds each plan op's wall time in nanoseconds to
     * {@code nanosPerOp[i]} (indexed like {@code plan.ops()}), for per-layer profiles. Backends whose
     * ops overlap (asynchronous GPU queues) synchronise after each op here, so the sum can exceed a
     * normal run.
     *
     * @throws UnsupportedOperationException if {@link #supportsProfiling()} is false
     */
    void runProfiled(Tensor input, Tensor output, long[] nanosPerOp);

    /** Whether {@link #runProfiled} works. */
    boolean supportsProfiling();

    @Override
    void close();
}
