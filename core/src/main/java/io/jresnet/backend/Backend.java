package io.jresnet.backend;

import io.jresnet.plan.Plan;

/**
 * A live backend: owns its threads or device context until {@link #close()}. Whoever created it
 * ({@link Backends#create()}, {@link BackendProvider#create}) closes it, after the compiled models it
 * made. Its methods may be called from any thread.
 */
public interface Backend extends AutoCloseable {
    /** {@return the provider's name: {@code cpu}, {@code opencl}, ...} */
    String name();

    /** {@return the device it runs on, in words (printed by {@code jresnet backends} and benchmarks)} */
    String device();

    /**
     * Compiles a plan: packs its weights into the backend's layout once. The compiled model is
     * thread-safe and stays valid until it or this backend is closed; run it through its sessions
     * ({@link CompiledModel#newSession()}), one per thread. The caller owns it and closes it.
     *
     * @param plan the plan, from {@code ResNet.plan(shape)} or {@code Planner.plan(graph)}
     * @return the compiled model
     */
    CompiledModel compile(Plan plan);

    /**
     * The arithmetic training runs on ({@link TrainingKernels}: convolutions, batch norm, the
     * element-wise ops and their backward passes), on this backend's own threads; a new instance per
     * call, since it holds scratch (one per training run), valid until the backend is closed. Backends
     * without training kernels of their own (the GPU ones) return the scalar reference kernels and say
     * so in {@link TrainingKernels#description()}.
     *
     * @return new training kernels, used by one training run at a time
     */
    TrainingKernels newTrainingKernels();

    /** Stops the threads or releases the device context. Closing twice does nothing. */
    @Override
    void close();
}
