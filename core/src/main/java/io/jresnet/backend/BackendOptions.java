package io.jresnet.backend;

import java.util.Map;

/**
 * Options for {@link BackendProvider#create}.
 *
 * @param threads worker threads for CPU backends; 0 means one per available core
 * @param properties backend-specific settings (for example {@code device=1} for GPUs); the
 *     {@code jresnet.<backend>.<key>} system properties are read by the backend itself
 */
public record BackendOptions(int threads, Map<String, String> properties) {
    /** Checks the thread count and copies the settings. */
    public BackendOptions {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, found " + threads);
        properties = Map.copyOf(properties);
    }

    /** {@return one thread per core and no settings} */
    public static BackendOptions defaults() {
        return new BackendOptions(0, Map.of());
    }

    /**
     * {@return options with this thread count and no settings}
     *
     * @param threads worker threads; 0 for one per available core
     */
    public static BackendOptions threads(int threads) {
        return new BackendOptions(threads, Map.of());
    }

    /** {@return the thread count to use: {@link #threads()}, or the available processors for 0} */
    public int resolvedThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /**
     * {@return the setting {@code key}, or {@code fallback} when it is not set}
     *
     * @param key the setting's name, e.g. {@code device}
     * @param fallback the value to use when it is not set
     */
    public String property(String key, String fallback) {
        return properties.getOrDefault(key, fallback);
    }
}
