package io.jresnet.backend;

/**
 * A cheap handle on a backend, found through {@link java.util.ServiceLoader} (register the class in
 * {@code META-INF/services/io.jresnet.backend.BackendProvider}). Loading a provider must not load
 * native libraries or incubator modules; {@link #probe()} checks for them and never throws.
 */
public interface BackendProvider {
    /** {@return a short unique name: {@code reference}, {@code cpu}, {@code opencl}, {@code cuda}} */
    String name();

    /** {@return the priority: automatic selection picks the available provider with the highest} */
    int priority();

    /** {@return whether the backend can run here, and on what, or why not; cheap, and never throws} */
    Availability probe();

    /**
     * Creates the backend, which the caller owns and closes.
     *
     * @param options threads and backend-specific settings
     * @return the backend
     * @throws io.jresnet.BackendException when it cannot
     */
    Backend create(BackendOptions options);
}
