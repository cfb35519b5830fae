package io.jresnet.backend;

import io.jresnet.BackendException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds backends through {@link ServiceLoader} and picks one.
 *
 * <p>An explicit choice wins and fails loudly when that backend is missing or unavailable: the
 * {@code name} argument, else the system property {@code jresnet.backend}, else the environment
 * variable {@code JRESNET_BACKEND}. Otherwise the available provider with the highest priority is
 * used ({@code reference} is always there).
 */
public final class Backends {
    public static final String PROPERTY = "jresnet.backend";
    public static final String ENVIRONMENT = "JRESNET_BACKEND";

    private Backends() {}

    /** A provider and what its probe said. */
    public record Status(BackendProvider provider, Availability availability) {
        public String name() {
            return provider.name();
        }
    }

    /** Every provider on the class path, probed, highest priority first. */
    public static List<Status> list() {
        return list(Backends.class.getClassLoader());
    }

    public static List<Status> list(ClassLoader loader) {
        List<Status> all = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, loader)) {
            all.add(new Status(p, safeProbe(p)));
        }
        all.sort(Comparator.comparingInt((Status s) -> -s.provider().priority()).thenComparing(Status::name));
        return all;
    }

    private static Availability safeProbe(BackendProvider p) {
        try {
            return p.probe();
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("probe failed: " + e);
        }
    }

    /** The explicit choice from the property or environment, or null. */
    public static String configuredName() {
        String n = System.getProperty(PROPERTY);
        if (n == null || n.isBlank()) n = System.getenv(ENVIRONMENT);
        return n == null || n.isBlank() ? null : n.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The provider to use.
     *
     * @param name an explicit name, or null to use the property, the environment or the priority order
     */
    public static BackendProvider select(String name) {
        String wanted = name != null && !name.isBlank() ? name.trim().toLowerCase(Locale.ROOT) : configuredName();
        List<Status> all = list();
        if (wanted != null) {
            for (Status s : all) {
                if (s.name().equals(wanted)) {
                    if (!s.availability().available()) {
                        throw new BackendException("backend '" + wanted + "' is unavailable: " + s.availability().reason());
                    }
                    return s.provider();
                }
            }
            throw new BackendException("no backend named '" + wanted + "'; installed: "
                    + all.stream().map(Status::name).toList() + " (a backend is a jar on the class path)");
        }
        List<String> skipped = new ArrayList<>();
        for (Status s : all) {
            if (s.availability().available()) {
                if (!skipped.isEmpty()) {
                    System.getLogger(Backends.class.getName()).log(System.Logger.Level.WARNING,
                            "using backend '" + s.name() + "'; skipped " + String.join("; ", skipped));
                }
                return s.provider();
            }
            skipped.add(s.name() + " (" + s.availability().reason() + ")");
        }
        throw new BackendException("no backend is available: " + all);
    }

    /** Selects (see {@link #select}) and creates a backend. */
    public static Backend create(String name, BackendOptions options) {
        return select(name).create(options);
    }

    public static Backend create() {
        return create(null, BackendOptions.defaults());
    }
}
