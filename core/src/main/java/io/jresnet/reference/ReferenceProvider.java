package io.jresnet.reference;

import io.jresnet.backend.Availability;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.BackendProvider;

/** The scalar oracle: always available, lowest priority. */
public final class ReferenceProvider implements BackendProvider {
    static final String DEVICE = "scalar Java, 1 thread (" + System.getProperty("os.arch") + ")";

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability probe() {
        return Availability.available(DEVICE);
    }

    @Override
    public Backend create(BackendOptions options) {
        return new ReferenceBackend();
    }
}
