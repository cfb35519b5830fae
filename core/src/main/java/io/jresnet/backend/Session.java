package io.jresnet.backend;

import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * Runs a {@link CompiledModel}: owns the activation buffers of one run at a time. Use one session per
 * thread; a session used by two threads at once throws {@link IllegalStateException} instead of
 * mixing their buffers. Steady-state {@link #run(Tensor, Tensor)} allocates nothing.
 */
public interface Session extends AutoCloseable {
    /** {@return the compiled model this session runs; it outlives the session and is closed by its owner} */
    CompiledModel model();

    /**
     * Runs the model on {@code input} and writes the result into {@code output}. The input's batch may
     * be any from 1 to the planned one (its other dimensions as planned); the output's batch must
     * equal the input's.
     *
     * @param input the input, NCHW float32 as planned (for images: preprocessed, not raw pixels)
     * @param output where the result goes; for classifiers, logits of shape {@code [batch, classes]}
     * @throws io.jresnet.ShapeException if a shape does not fit the plan
     * @throws IllegalStateException if another thread is running this session
     * @throws io.jresnet.BackendException if the session or its model is closed
     * @throws io.jresnet.RunInterruptedException if the calling thread is interrupted before the run or
     *     (on backends that compute on the host) between two ops; the session stays usable
     */
    void run(Tensor input, Tensor output);

    /**
     * Runs the model and returns a new output tensor with the input's batch; otherwise as
     * {@link #run(Tensor, Tensor)}.
     *
     * @param input the input, of any batch from 1 to the planned one
     * @return a new tensor holding the output
     */
    default Tensor run(Tensor input) {
        Tensor out = Tensor.zeros(outputShapeFor(input.shape()));
        run(input, out);
        return out;
    }

    /**
     * {@return the output shape for an input of {@code input}'s batch}
     *
     * @param input the input's shape
     */
    default Shape outputShapeFor(Shape input) {
        return model().outputShape().withBatch(input.dim(0));
    }

    /**
     * Runs like {@link #run(Tensor, Tensor)} and adds each plan op's wall time in nanoseconds to
     * {@code nanosPerOp[i]} (indexed like {@code plan.ops()}), for per-layer profiles. Backends whose
     * ops overlap (asynchronous GPU queues) synchronise after each op here, so the sum can exceed a
     * normal run.
     *
     * @param input the input, as for {@link #run(Tensor, Tensor)}
     * @param output the output, as for {@link #run(Tensor, Tensor)}
     * @param nanosPerOp one counter per plan op, added to
     * @throws UnsupportedOperationException if {@link #supportsProfiling()} is false
     */
    void runProfiled(Tensor input, Tensor output, long[] nanosPerOp);

    /** {@return whether {@link #runProfiled} works} */
    boolean supportsProfiling();

    /** Frees the activation buffers; the compiled model stays open. Closing twice does nothing. */
    @Override
    void close();
}
