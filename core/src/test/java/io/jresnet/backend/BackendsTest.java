package io.jresnet.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.BackendException;
import org.junit.jupiter.api.Test;

class BackendsTest {
    @Test
    void referenceIsAlwaysListedAndAvailable() {
        Backends.Status ref = Backends.list().stream().filter(s -> s.name().equals("reference")).findFirst().orElseThrow();
        assertTrue(ref.availability().available());
        assertEquals("reference", Backends.select("reference").name());
    }

    @Test
    void unknownExplicitNameFailsLoudlyListingWhatIsInstalled() {
        BackendException e = assertThrows(BackendException.class, () -> Backends.select("tpu"));
        assertTrue(e.getMessage().contains("tpu") && e.getMessage().contains("reference"), e.getMessage());
    }

    @Test
    void systemPropertyChoosesTheBackend() {
        String old = System.getProperty(Backends.PROPERTY);
        try {
            System.setProperty(Backends.PROPERTY, "nonexistent");
            assertThrows(BackendException.class, () -> Backends.select(null));
            System.setProperty(Backends.PROPERTY, "Reference");
            assertEquals("reference", Backends.select(null).name());
        } finally {
            if (old == null) System.clearProperty(Backends.PROPERTY); else System.setProperty(Backends.PROPERTY, old);
        }
    }
}
