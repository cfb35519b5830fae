package io.jresnet.backend;

/**
 * What a provider's cheap {@link BackendProvider#probe()} found.
 *
 * @param available whether {@link BackendProvider#create} will work
 * @param reason why not (or a short note when available), never null
 * @param device the device that would run the work, e.g. "AMD EPYC (2 threads, AVX-512)"
 */
public record Availability(boolean available, String reason, String device) {
    /**
     * {@return an available backend's answer}
     *
     * @param device the device, in words
     */
    public static Availability available(String device) {
        return new Availability(true, "", device);
    }

    /**
     * {@return an unavailable backend's answer}
     *
     * @param reason why, and how to fix it where the user can (a missing JVM option, driver or library)
     */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason, "");
    }
}
