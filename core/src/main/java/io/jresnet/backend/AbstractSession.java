package io.jresnet.backend;

import io.jresnet.BackendException;
import io.jresnet.RunInterruptedException;
import io.jresnet.ShapeException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every backend's {@link Session} shares: the shape and batch checks, the guard against two
 * threads running one session at once, and running a smaller batch as the first images of the
 * planned one. A backend implements {@link #execute} for exactly the planned shapes.
 */
public abstract class AbstractSession implements Session {
    private final CompiledModel model;
    private final AtomicReference<Thread> runner = new AtomicReference<>();
    private volatile boolean closed;
    /** Planned-batch staging for smaller batches, allocated on the first such run. */
    private Tensor plannedInput, plannedOutput;

    /**
     * A session of {@code model}.
     *
     * @param model the compiled model it runs
     */
    protected AbstractSession(CompiledModel model) {
        this.model = model;
    }

    @Override
    public final CompiledModel model() {
        return model;
    }

    /**
     * Runs the plan on {@code input} and {@code output} of exactly the planned shapes; called by one
     * thread at a time.
     *
     * @param input the input, of the planned shape
     * @param output the output, of the planned shape
     * @param nanosPerOp per-op times to add to, or null for a normal run
     */
    protected abstract void execute(Tensor input, Tensor output, long[] nanosPerOp);

    /**
     * Throws {@link RunInterruptedException} when the running thread has been interrupted, leaving its
     * interrupt status set. {@link #run} checks before a run starts; backends that compute on the host
     * also check between ops, so a cancelled request stops within one op instead of finishing the
     * network. Reading the flag costs a field load.
     *
     * @param opsDone ops finished so far in this run
     * @param opCount ops in the run, or -1 when the run has not started
     */
    protected final void stopIfInterrupted(int opsDone, int opCount) {
        if (!Thread.currentThread().isInterrupted()) return;
        throw new RunInterruptedException(opCount < 0
                ? "run not started: thread '" + Thread.currentThread().getName() + "' is interrupted"
                : "run interrupted after " + opsDone + " of " + opCount + " ops on thread '"
                        + Thread.currentThread().getName() + "'; the output holds no result, the session is usable");
    }

    /** Frees what the session owns; called once, by {@link #close()}. */
    protected void release() {}

    @Override
    public boolean supportsProfiling() {
        return true;
    }

    @Override
    public final void run(Tensor input, Tensor output) {
        enter(input, output, null);
    }

    @Override
    public final void runProfiled(Tensor input, Tensor output, long[] nanosPerOp) {
        if (!supportsProfiling()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " does not time single ops");
        }
        enter(input, output, nanosPerOp);
    }

    private void enter(Tensor input, Tensor output, long[] nanosPerOp) {
        Thread me = Thread.currentThread();
        Thread other = runner.compareAndExchange(null, me);
        if (other != null) {
            throw new IllegalStateException("a session is being run by thread '" + other.getName()
                    + "' and was called from thread '" + me.getName()
                    + "' at the same time: use one session per thread (CompiledModel.newSession())");
        }
        try {
            if (closed) throw new BackendException("session used after close()");
            int batch = checkShapes(input, output);
            stopIfInterrupted(0, -1);
            if (batch == model.inputShape().dim(0)) {
                execute(input, output, nanosPerOp);
            } else {
                runPart(input, output, nanosPerOp);
            }
        } finally {
            runner.set(null);
        }
    }

    private void runPart(Tensor input, Tensor output, long[] nanosPerOp) {
        if (plannedInput == null) {
            plannedInput = Tensor.zeros(model.inputShape());
            plannedOutput = Tensor.zeros(model.outputShape());
        }
        System.arraycopy(input.array(), input.offset(), plannedInput.array(), plannedInput.offset(), input.size());
        execute(plannedInput, plannedOutput, nanosPerOp);
        System.arraycopy(plannedOutput.array(), plannedOutput.offset(), output.array(), output.offset(), output.size());
    }

    /** The input's batch, after checking both shapes against the model's. */
    private int checkShapes(Tensor input, Tensor output) {
        Shape planned = model.inputShape(), in = input.shape();
        if (in.equals(planned) && output.shape().equals(model.outputShape())) {
            return planned.dim(0); // the steady-state case, checked without allocating
        }
        int batch = in.rank() == planned.rank() ? in.dim(0) : -1;
        if (batch < 1 || batch > planned.dim(0) || !in.withBatch(planned.dim(0)).equals(planned)) {
            throw new ShapeException("input of shape " + in + " given to a model compiled for " + planned
                    + " (any batch from 1 to " + planned.dim(0) + ")");
        }
        Shape want = outputShapeFor(in);
        if (!output.shape().equals(want)) {
            throw new ShapeException("output of shape " + output.shape() + " given for an input of shape " + in
                    + ", which gives " + want);
        }
        return batch;
    }

    @Override
    public final void close() {
        if (closed) return;
        closed = true;
        release();
    }
}
