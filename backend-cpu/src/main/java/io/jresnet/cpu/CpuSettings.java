package io.jresnet.cpu;

import io.jresnet.BackendException;

/**
 * Settings from system properties. The JVM-wide vector width, from {@code -Djresnet.cpu.vectorBits}:
 * unset or empty for the CPU's preferred width, 64/128/256/512 for a narrower one (a width above the
 * preferred one is clamped to it), {@code 0} for the scalar path. The width is JVM-wide because the
 * kernels hold the species as a {@code static final} constant, which is what lets C2 compile them to
 * plain vector instructions. The Winograd default, from {@code -Djresnet.cpu.winograd} (see
 * {@link Winograd}), which a backend's option {@code winograd} overrides.
 * This class loads no Vector API class.
 */
final class CpuSettings {
    static final String VECTOR_BITS = "jresnet.cpu.vectorBits";
    static final String WINOGRAD = "jresnet.cpu.winograd";

    /** When 3x3 stride-1 convolutions use Winograd ({@link ConvAlgorithm#choose}). */
    enum Winograd {
        /** {@code false}: never. */
        OFF,
        /** {@code true}, the default: where it measured faster than the direct convolution. */
        WHERE_FASTER,
        /** {@code always}: every 3x3 stride-1 convolution, for tests and measurements. */
        ALWAYS
    }

    private CpuSettings() {}

    /** -1 for the preferred width, 0 for scalar, else the requested bit width. */
    static int requestedVectorBits() {
        String v = System.getProperty(VECTOR_BITS);
        if (v == null || v.isBlank()) return -1;
        return parseBits(VECTOR_BITS + " system property", v);
    }

    static Winograd winograd() {
        String v = System.getProperty(WINOGRAD);
        return v == null || v.isBlank() ? Winograd.WHERE_FASTER : parseWinograd(WINOGRAD + " system property", v);
    }

    static Winograd parseWinograd(String where, String v) {
        return switch (v.trim()) {
            case "true" -> Winograd.WHERE_FASTER;
            case "false" -> Winograd.OFF;
            case "always" -> Winograd.ALWAYS;
            default -> throw new BackendException("cpu backend: " + where + " must be true, false or always, found '"
                    + v + "'");
        };
    }

    static int parseBits(String where, String v) {
        int bits;
        try {
            bits = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            bits = -2;
        }
        if (bits != 0 && bits != 64 && bits != 128 && bits != 256 && bits != 512) {
            throw new BackendException("cpu backend: " + where + " must be 0 (scalar), 64, 128, 256 or 512, found '"
                    + v + "'");
        }
        return bits;
    }
}
