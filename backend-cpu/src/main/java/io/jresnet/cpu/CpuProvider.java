package io.jresnet.cpu;

import io.jresnet.BackendException;
import io.jresnet.backend.Availability;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.BackendProvider;

/**
 * Provider {@code cpu}, priority 100. Needs {@code jdk.incubator.vector} in the boot layer; without
 * it the probe says how to enable it and selection falls back to {@code reference}. No Vector API
 * class is loaded before that check passes.
 */
public final class CpuProvider implements BackendProvider {
    static final String MODULE = "jdk.incubator.vector";
    static final String MISSING = "the Vector API module is not loaded: start the JVM with --add-modules " + MODULE;

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 100;
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    @Override
    public Availability probe() {
        if (!vectorModulePresent()) return Availability.unavailable(MISSING);
        try {
            int bits = CpuSettings.requestedVectorBits();
            int threads = Runtime.getRuntime().availableProcessors();
            String width = bits == 0 ? "scalar path forced" : "Vector API up to " + CpuSpecies.preferredBits() + "-bit";
            return Availability.available(width + ", " + threads + " cores (" + System.getProperty("os.arch") + ")");
        } catch (BackendException e) {
            return Availability.unavailable(e.getMessage());
        } catch (LinkageError e) {
            return Availability.unavailable("the Vector API failed to load: " + e);
        }
    }

    @Override
    public Backend create(BackendOptions options) {
        if (!vectorModulePresent()) throw new BackendException("cpu backend: " + MISSING);
        try {
            return new CpuBackend(options);
        } catch (LinkageError e) {
            throw new BackendException("cpu backend: the Vector API failed to load", e);
        }
    }
}
