package io.jresnet.backend;

import io.jresnet.BackendException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds backends through {@link ServiceLoader} and picks one.
 *
 * <p>An explicit choice wins and fails loudly when that backend is missing or unavailable: the
 * {@code name} argument, else the system property {@code jresnet.backend}, else the environment
 * variable {@code JRESNET_BACKEND}. Otherwise the available provider with the highest priority is
 * used ({@code reference} is always there).
 */
public final class Backends {
    /** The system property that names the backend to use: {@value}. */
    public static final String PROPERTY = "jresnet.backend";
    /** The environment variable that names the backend to use when the property is not set: {@value}. */
    public static final String ENVIRONMENT = "JRESNET_BACKEND";

    private Backends() {}

    /**
     * A provider and what its probe said, or a registered provider that could not be loaded (a missing
     * class, a constructor that throws): then {@code provider} is null, the name is the registered
     * class's and the availability says why.
     *
     * @param name the provider's name, or the class name of one that could not be loaded
     * @param provider the provider, or null if it could not be loaded
     * @param availability whether it can run here and on what, or why not
     */
    public record Status(String name, BackendProvider provider, Availability availability) {
        /** {@return the provider's priority, or {@link Integer#MIN_VALUE} for one that could not be loaded} */
        public int priority() {
            return provider == null ? Integer.MIN_VALUE : provider.priority();
        }
    }

    /** The providers that loaded, highest priority first, and a status for each registration that did not. */
    private record Found(List<BackendProvider> providers, List<Status> broken) {}

    /**
     * {@return every provider on the class path or module path, probed, highest priority first}
     * Probing initialises each native platform that is installed; see {@link #list(ClassLoader)}.
     */
    public static List<Status> list() {
        return list(Backends.class.getClassLoader());
    }

    /**
     * Every provider found by {@code loader}, probed, highest priority first. Probing initialises
     * each native platform that is installed (an OpenCL ICD, the CUDA driver); {@link #select} probes
     * only what it needs.
     *
     * @param loader where to look for providers (named modules defined to it and its class path)
     * @return the providers, probed, highest priority first
     */
    public static List<Status> list(ClassLoader loader) {
        Found found = providers(loader);
        List<Status> all = new ArrayList<>();
        for (BackendProvider p : found.providers()) all.add(new Status(p.name(), p, safeProbe(p)));
        all.addAll(found.broken());
        return List.copyOf(all);
    }

    /** The providers, highest priority first, not probed: loading a provider touches nothing native. */
    private static Found providers(ClassLoader loader) {
        List<BackendProvider> all = new ArrayList<>();
        List<Status> broken = new ArrayList<>();
        Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class, loader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) break;
                all.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // A provider that cannot be loaded (a stale registration, a missing class, a constructor
                // that throws) must not break the others; 'jresnet backends' lists it with the reason.
                broken.add(brokenStatus(e));
            }
        }
        all.sort(Comparator.comparingInt((BackendProvider p) -> -p.priority()).thenComparing(BackendProvider::name));
        return new Found(all, broken);
    }

    /** A registration that could not be loaded, named by the class the error names. */
    private static Status brokenStatus(Throwable e) {
        String message = String.valueOf(e.getMessage());
        Matcher m = Pattern.compile("Provider (\\S+)").matcher(message);
        String name = m.find() ? m.group(1) : "(unknown provider)";
        Throwable cause = e.getCause();
        String why = "cannot be loaded: " + message + (cause == null ? "" : " (" + cause + ")");
        System.getLogger(Backends.class.getName()).log(System.Logger.Level.DEBUG, "backend provider " + name + " " + why);
        return new Status(name, null, Availability.unavailable(why));
    }

    private static Availability safeProbe(BackendProvider p) {
        try {
            return p.probe();
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("probe failed: " + e);
        }
    }

    /** {@return the explicit choice from the property or the environment, in lower case, or null} */
    public static String configuredName() {
        String n = System.getProperty(PROPERTY);
        if (n == null || n.isBlank()) n = System.getenv(ENVIRONMENT);
        return n == null || n.isBlank() ? null : n.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The provider to use. Only the providers that the choice needs are probed: the named one, or,
     * without a name, each in priority order until one is available. A backend that is not chosen
     * does not initialise its native platform (some platforms replace the JVM's signal handlers).
     *
     * @param name an explicit name, or null to use the property, the environment or the priority order
     * @return the provider, not yet asked to create its backend
     * @throws io.jresnet.BackendException if the named backend is missing or unavailable, or none is
     *     available
     */
    public static BackendProvider select(String name) {
        return select(name, Backends.class.getClassLoader());
    }

    /**
     * {@return {@link #select(String)} among the providers that {@code loader} finds}
     *
     * @param name an explicit name, or null
     * @param loader where to look for providers
     */
    public static BackendProvider select(String name, ClassLoader loader) {
        String wanted = name != null && !name.isBlank() ? name.trim().toLowerCase(Locale.ROOT) : configuredName();
        Found found = providers(loader);
        List<BackendProvider> all = found.providers();
        if (wanted != null) {
            for (BackendProvider p : all) {
                if (p.name().equals(wanted)) {
                    Availability a = safeProbe(p);
                    if (!a.available()) {
                        throw new BackendException("backend '" + wanted + "' is unavailable: " + a.reason());
                    }
                    return p;
                }
            }
            throw new BackendException("no backend named '" + wanted + "'; installed: "
                    + all.stream().map(BackendProvider::name).toList() + " (a backend is a jar on the class path)");
        }
        List<String> skipped = new ArrayList<>();
        for (Status b : found.broken()) skipped.add(b.name() + " (" + b.availability().reason() + ")");
        for (BackendProvider p : all) {
            Availability a = safeProbe(p);
            if (a.available()) {
                if (!skipped.isEmpty()) {
                    // A normal run on a machine without a GPU is not worth a warning; 'jresnet backends' shows why.
                    System.getLogger(Backends.class.getName()).log(System.Logger.Level.DEBUG,
                            "using backend '" + p.name() + "'; skipped " + String.join("; ", skipped));
                }
                return p;
            }
            skipped.add(p.name() + " (" + a.reason() + ")");
        }
        throw new BackendException("no backend is available: " + String.join("; ", skipped));
    }

    /**
     * Selects (see {@link #select}) and creates a backend. The caller owns it and closes it.
     *
     * @param name an explicit name, or null
     * @param options threads and backend-specific settings
     * @return the backend
     * @throws io.jresnet.BackendException if no backend can be selected or created
     */
    public static Backend create(String name, BackendOptions options) {
        return select(name).create(options);
    }

    /**
     * {@return the best available backend (or the one the property or environment names), with default
     * options} The caller owns it and closes it.
     *
     * @throws io.jresnet.BackendException if the named backend is unavailable
     */
    public static Backend create() {
        return create(null, BackendOptions.defaults());
    }
}
