package io.jresnet.backend;

import io.jresnet.ShapeException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * A compiled plan. {@link #run(Tensor, Tensor)} allocates nothing in steady state.
 *
 * <p>Not thread-safe: an executable owns its activation buffers, so use one per thread (compiling
 * the same plan again is cheap next to a run and shares no mutable state).
 */
public interface Executable extends AutoCloseable {
    Shape inputShape();

    Shape outputShape();

    /** Runs the plan on {@code input} and writes the result into {@code output}. */
    void run(Tensor input, Tensor output);

    /** Runs the plan and returns a new output tensor. */
    default Tensor run(Tensor input) {
        Tensor out = Tensor.zeros(outputShape());
        run(input, out);
        return out;
    }

    /**
     * Runs like {@link #run(Tensor, Tensor)} and adds each op's wall time in nanoseconds to
     * {@code nanosPerOp[i]} (indexed like {@code plan.ops()}), for per-layer profiles. Backends whose
     * ops overlap (asynchronous GPU queues) synchronise after each op here, so the sum can exceed a
     * normal run.
     *
     * @throws UnsupportedOperationException if {@link #supportsProfiling()} is false
     */
    default void runProfiled(Tensor input, Tensor output, long[] nanosPerOp) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not time single ops");
    }

    /** Whether {@link #runProfiled} works. */
    default boolean supportsProfiling() {
        return false;
    }

    /** Shape checks shared by implementations. */
    static void checkShapes(Executable e, Tensor input, Tensor output) {
        if (!input.shape().equals(e.inputShape())) {
            throw new ShapeException("input of shape " + input.shape() + " given to a plan compiled for "
                    + e.inputShape());
        }
        if (!output.shape().equals(e.outputShape())) {
            throw new ShapeException("output of shape " + output.shape() + " given to a plan producing "
                    + e.outputShape());
        }
    }

    @Override
    void close();
}
