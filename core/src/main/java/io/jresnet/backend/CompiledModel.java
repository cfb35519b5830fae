package io.jresnet.backend;

import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * A plan compiled by a {@link Backend}: immutable and thread-safe. It owns what every run shares,
 * the weights packed into the backend's layout (once per process; on the device for GPU backends)
 * and the schedule of kernels, and hands out {@link Session}s, which own the activation buffers.
 * Many sessions, on many threads, share one compiled model.
 *
 * <p>Batch size: a session runs any batch from 1 up to the batch the plan was made for
 * ({@link #inputShape()}'s first dimension); the other dimensions must match. Backends run a smaller
 * batch as the first images of the planned one, so its cost is that of the planned batch: plan for
 * the batch you serve (see {@link Session#run(io.jresnet.tensor.Tensor, io.jresnet.tensor.Tensor)}).
 *
 * <p>Closing the compiled model frees the packed weights; its sessions fail from then on.
 */
public interface CompiledModel extends AutoCloseable {
    /** {@return the input shape the plan was made for; its first dimension is the largest batch a session runs} */
    Shape inputShape();

    /** {@return the output shape at the planned batch} */
    Shape outputShape();

    /**
     * {@return a new session, which the caller owns and closes} Cheap next to compiling (it allocates
     * the activation buffers); open one per thread.
     */
    Session newSession();

    /**
     * Runs {@code input} on a session of its own, opened and closed here: for one-off runs; a server
     * keeps a session per thread.
     *
     * @param input the input, of any batch from 1 to the planned one
     * @return a new tensor holding the output
     */
    default Tensor run(Tensor input) {
        try (Session s = newSession()) {
            return s.run(input);
        }
    }

    /** Frees the packed weights; its sessions fail from then on. Closing twice does nothing. */
    @Override
    void close();
}
