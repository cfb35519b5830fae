package io.jresnet.gpu;

import io.jresnet.BackendException;
import java.util.List;
import java.util.Locale;

/**
 * One device a GPU provider can use, as listed by its {@code devices()}.
 *
 * @param index position in the provider's list, what {@code device=<index>} selects
 * @param name the device name as the driver reports it
 * @param description name plus platform, driver and memory, for {@code jresnet backends}
 */
public record DeviceInfo(int index, String name, String description) {
    /** The option key ({@code BackendOptions} property) and the system property choosing a device. */
    public static final String OPTION = "device";
    public static final String PROPERTY = "jresnet.gpu.device";

    /**
     * The device {@code wanted} names: an index into {@code devices}, or a case-insensitive
     * substring of a device name (the first match wins); null or blank picks device 0.
     */
    public static DeviceInfo choose(List<DeviceInfo> devices, String wanted) {
        if (devices.isEmpty()) throw new BackendException("no devices to choose from");
        if (wanted == null || wanted.isBlank()) return devices.getFirst();
        String w = wanted.trim();
        if (w.chars().allMatch(Character::isDigit)) {
            int i;
            try {
                i = Integer.parseInt(w);
            } catch (NumberFormatException e) {
                i = -1;
            }
            if (i < 0 || i >= devices.size()) {
                throw new BackendException("device index " + w + " is out of range; devices: " + names(devices));
            }
            return devices.get(i);
        }
        String lower = w.toLowerCase(Locale.ROOT);
        for (DeviceInfo d : devices) if (d.name().toLowerCase(Locale.ROOT).contains(lower)) return d;
        throw new BackendException("no device named like '" + w + "'; devices: " + names(devices));
    }

    private static String names(List<DeviceInfo> devices) {
        return devices.stream().map(d -> d.index() + ": " + d.name()).toList().toString();
    }

    /** The device option: the {@code device} backend option, else {@code -Djresnet.gpu.device}, else null. */
    public static String requested(io.jresnet.backend.BackendOptions options) {
        String fromOptions = options.property(OPTION, null);
        return fromOptions != null ? fromOptions : System.getProperty(PROPERTY);
    }
}
