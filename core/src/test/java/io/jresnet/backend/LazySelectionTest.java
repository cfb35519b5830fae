package io.jresnet.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.BackendException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Selection probes only the providers it needs: probing initialises native platforms, and some of
 * them (POCL) replace the JVM's signal handlers, so a backend that is not chosen must stay untouched.
 */
class LazySelectionTest {
    static final Set<String> probed = ConcurrentHashMap.newKeySet();

    /** A provider that records its probe. */
    abstract static class Recording implements BackendProvider {
        private final String name;
        private final int priority;
        private final boolean available;

        Recording(String name, int priority, boolean available) {
            this.name = name;
            this.priority = priority;
            this.available = available;
        }

        @Override public String name() { return name; }
        @Override public int priority() { return priority; }
        @Override public Backend create(BackendOptions options) { throw new UnsupportedOperationException(); }

        @Override
        public Availability probe() {
            probed.add(name);
            return available ? Availability.available(name) : Availability.unavailable(name + " has no device");
        }
    }

    public static final class Missing extends Recording {
        public Missing() { super("test-missing", 3000, false); }
    }

    public static final class Fast extends Recording {
        public Fast() { super("test-fast", 2000, true); }
    }

    public static final class Native extends Recording {
        public Native() { super("test-native", 1000, true); }
    }

    /** A provider whose constructor throws: ServiceLoader cannot instantiate it. */
    public static final class Throwing extends Recording {
        public Throwing() {
            super("test-throwing", 500, true);
            throw new IllegalStateException("no licence file");
        }
    }

    /** A provider whose probe throws. */
    public static final class BadProbe extends Recording {
        public BadProbe() { super("test-bad-probe", 400, true); }

        @Override
        public Availability probe() {
            throw new UnsatisfiedLinkError("libmissing.so");
        }
    }

    private ClassLoader loader;

    @BeforeEach
    void registerProviders(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/" + BackendProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, String.join("\n", Missing.class.getName(), "io.jresnet.NoSuchProvider",
                Fast.class.getName(), Throwing.class.getName(), Native.class.getName(), BadProbe.class.getName()) + "\n");
        loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
        probed.clear();
    }

    /** The registration of a class that does not exist sits between the others: it is skipped, not fatal. */
    @Test
    void automaticSelectionStopsAtTheFirstAvailableProvider() {
        assertEquals("test-fast", Backends.select(null, loader).name());
        assertEquals(Set.of("test-missing", "test-fast"), probed);
    }

    @Test
    void anExplicitNameProbesOnlyThatProvider() {
        assertEquals("test-native", Backends.select("test-native", loader).name());
        assertEquals(Set.of("test-native"), probed);
        probed.clear();
        BackendException e = assertThrows(BackendException.class, () -> Backends.select("test-missing", loader));
        assertEquals("backend 'test-missing' is unavailable: test-missing has no device", e.getMessage());
        assertEquals(Set.of("test-missing"), probed);
    }

    @Test
    void listingProbesEveryProviderInPriorityOrder() {
        assertEquals("test-missing", Backends.list(loader).getFirst().name());
        assertEquals(Set.of("test-missing", "test-fast", "test-native"), probed);
    }

    /**
     * A registration whose class is missing or whose constructor throws, and a provider whose probe
     * throws, are listed as unavailable with the reason; selection still finds the others.
     */
    @Test
    void brokenProvidersAreListedWithTheReasonAndTheOthersStillWork() {
        Map<String, Backends.Status> byName = Backends.list(loader).stream()
                .collect(Collectors.toMap(Backends.Status::name, s -> s, (a, b) -> a));
        Backends.Status missingClass = byName.get("io.jresnet.NoSuchProvider");
        Backends.Status throwing = byName.get(Throwing.class.getName());
        Backends.Status badProbe = byName.get("test-bad-probe");
        for (Backends.Status s : new Backends.Status[] {missingClass, throwing, badProbe}) {
            assertTrue(s != null && !s.availability().available(), String.valueOf(s));
        }
        assertTrue(missingClass.availability().reason().contains("not found"), missingClass.availability().reason());
        assertTrue(throwing.availability().reason().contains("no licence file"), throwing.availability().reason());
        assertTrue(badProbe.availability().reason().contains("libmissing.so"), badProbe.availability().reason());
        assertEquals(null, throwing.provider());
        assertEquals("test-fast", Backends.select(null, loader).name());
        assertEquals("test-native", Backends.select("test-native", loader).name());
    }
}
