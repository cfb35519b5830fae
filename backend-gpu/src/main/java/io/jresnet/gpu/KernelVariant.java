package io.jresnet.gpu;

import java.util.Locale;

/**
 * Which twin of each kernel a backend launches: the plain v1 kernels (one work-item per output,
 * written to be read) or the tuned ones. Chosen by the backend option {@code kernels} or the system
 * property {@code jresnet.gpu.kernels}; forcing {@code plain} keeps the plain path tested end to end.
 */
public enum KernelVariant {
    PLAIN,
    TUNED;

    public static final String OPTION = "kernels";
    public static final String PROPERTY = "jresnet.gpu.kernels";

    /** Parses {@code plain} or {@code tuned} (any case); null or blank means tuned. */
    public static KernelVariant parse(String value) {
        if (value == null || value.isBlank()) return TUNED;
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "plain" -> PLAIN;
            case "tuned" -> TUNED;
            default -> throw new io.jresnet.BackendException("kernels must be 'plain' or 'tuned', found '" + value + "'");
        };
    }
}
