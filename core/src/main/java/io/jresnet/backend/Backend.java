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

    @Override
    void close();
}
