package io.jresnet.backend;

/**
 * A cheap handle on a backend, found through {@link java.util.ServiceLoader} (register the class in
 * {@code META-INF/services/io.jresnet.backend.BackendProvider}). Loading a provider must not load
 * native libraries or incubator modules; {@link #probe()} checks for them and never throws.
 */
public interface BackendProvider {
    /** Short unique name: {@code reference}, {@code cpu}, {@code opencl}, {@code cuda}. */
    String name();

    /** Automatic selection picks the available provider with the highest priority. */
    int priority();

    /** Whether the backend can run here, and on what; must be cheap and never throw. */
    Availability probe();

    /** Creates the backend; throws {@link io.jresnet.BackendException} when it cannot. */
    Backend create(BackendOptions options);
}
