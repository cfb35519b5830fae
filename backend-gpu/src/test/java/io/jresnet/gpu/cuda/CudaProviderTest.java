package io.jresnet.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.BackendException;
import io.jresnet.backend.Availability;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What can be checked of the cuda provider on any machine, with or without a GPU. */
class CudaProviderTest {
    @Test
    void isRegisteredWithItsPriority() {
        Backends.Status s = Backends.list().stream().filter(x -> x.name().equals("cuda")).findFirst().orElseThrow();
        assertEquals(200, s.provider().priority());
    }

    @Test
    void probeSaysPreciselyWhatIsMissing() {
        Availability a = new CudaProvider().probe();
        if (a.available()) {
            assertTrue(a.device().contains("sm_"), a.device());
            return;
        }
        // Without a GPU: no driver library, no device, or no NVRTC; each says so by name.
        assertTrue(a.reason().contains("libcuda.so.1") || a.reason().contains("no CUDA device")
                || a.reason().contains("libnvrtc not found"), a.reason());
        assertTrue(CudaProvider.devices().isEmpty() || a.reason().contains("libnvrtc"));
        BackendException e = assertThrows(BackendException.class, () -> new CudaProvider().create(BackendOptions.defaults()));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void explicitNvrtcPathThatDoesNotExistIsNamed(@TempDir Path tmp) {
        String missing = tmp.resolve("libnvrtc.so.12").toString();
        assertTrue(CudaProvider.findNvrtc(Map.of(), missing).isEmpty());
        assertEquals("libnvrtc not found at " + missing + " (from -Djresnet.cuda.nvrtc)",
                CudaProvider.nvrtcMissing(Map.of(), missing));
    }
}
