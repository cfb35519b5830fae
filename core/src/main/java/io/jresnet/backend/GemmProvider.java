package io.jresnet.backend;

/**
 * A fast {@link Gemm}, found through {@link java.util.ServiceLoader} (register the class in
 * {@code META-INF/services/io.jresnet.backend.GemmProvider}); {@link Gemms#best} picks the available
 * one with the highest priority. Training uses it, so training runs on whatever backend jar is on
 * the class path.
 */
public interface GemmProvider {
    String name();

    int priority();

    /** Never throws; unavailable when, for example, the Vector API module is not loaded. */
    Availability probe();

    /** @param threads worker threads, 0 for one per core */
    Gemm create(int threads);
}
