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
    public BackendOptions {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, found " + threads);
        properties = Map.copyOf(properties);
    }

    public static BackendOptions defaults() {
        return new BackendOptions(0, Map.of());
    }

    public static BackendOptions threads(int threads) {
        return new BackendOptions(threads, Map.of());
    }

    /** The thread count to use: {@link #threads()} or the available processors. */
    public int resolvedThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public String property(String key, String fallback) {
        return properties.getOrDefault(key, fallback);
    }
}
