package io.jresnet.backend;

import io.jresnet.plan.Plan;

/** A live backend: owns its threads or device context until {@link #close()}. */
public interface Backend extends AutoCloseable {
    String name();

    /** The device it runs on, in words (printed by {@code jresnet backends} and benchmarks). */
    String device();

    /**
     * Compiles a plan: packs its weights into the backend's layout once. The compiled model is
     * thread-safe and stays valid until it or this backend is closed; run it through its sessions
     * ({@link CompiledModel#newSession()}), one per thread.
     */
    CompiledModel compile(Plan plan);

    /**
     * The arithmetic training runs on ({@link TrainingKernels}: convolutions, batch norm, the
     * element-wise ops and their backward passes), on this backend's own threads; a new instance per
     * call, since it holds scratch (one per training run), valid until the backend is closed. Backends
     * without training kernels of their own (the GPU ones) return the scalar reference kernels and say
     * so in {@link TrainingKernels#description()}.
     */
    TrainingKernels newTrainingKernels();

    @Override
    void close();
}
