package io.jresnet.backend;

import io.jresnet.plan.Plan;

/** A live backend: owns its threads or device context until {@link #close()}. */
public interface Backend extends AutoCloseable {
    String name();

    /** The device it runs on, in words (printed by {@code jresnet backends} and benchmarks). */
    String device();

    /**
     * Prepares a plan for repeated runs: packs weights into the backend's layout and allocates every
     * buffer once. The executable stays valid until it or this backend is closed.
     */
    Executable compile(Plan plan);

    @Override
    void close();
}
