package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.BackendException;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProviderTest {
    @Test
    void selectedAheadOfReferenceWhenTheVectorModuleIsLoaded() {
        Backends.Status cpu = Backends.list().stream().filter(s -> s.name().equals("cpu")).findFirst().orElseThrow();
        assertTrue(cpu.availability().available(), cpu.availability().reason());
        assertEquals(100, cpu.provider().priority());
        if (Backends.configuredName() == null) assertEquals("cpu", Backends.select(null).name());
    }

    @Test
    void badWidthOptionIsAJResnetException() {
        BackendException e = assertThrows(BackendException.class,
                () -> new CpuBackend(new BackendOptions(1, Map.of("vectorBits", "100"))));
        assertTrue(e.getMessage().contains("vectorBits"), e.getMessage());
    }

    @Test
    void closedBackendRefusesWork() throws Exception {
        CpuBackend cpu = new CpuBackend(BackendOptions.threads(2));
        cpu.close();
        WorkerPool pool = new WorkerPool(2);
        pool.close();
        assertThrows(BackendException.class, () -> pool.run((w, n) -> {}));
    }

    @Test
    void workerFailuresReachTheCaller() {
        try (WorkerPool pool = new WorkerPool(3)) {
            int[] hits = new int[3];
            pool.run((w, n) -> hits[w]++);
            assertEquals(List.of(1, 1, 1), List.of(hits[0], hits[1], hits[2]));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run((w, n) -> {
                if (w == 2) throw new IllegalStateException("worker 2 failed");
            }));
            assertEquals("worker 2 failed", e.getMessage());
            pool.run((w, n) -> hits[w]++); // still usable afterwards
            assertEquals(2, hits[2]);
        }
    }

    /** In a JVM started without --add-modules, the provider says why and reference is selected, with no linkage error. */
    @Test
    void fallsBackToReferenceWithoutTheVectorModule() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                NoVectorModuleMain.class.getName()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("cpu available=false reason=" + CpuProvider.MISSING), out);
        assertTrue(out.contains("selected=reference"), out);
    }
}
