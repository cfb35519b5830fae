package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.BackendOptions;
import org.junit.jupiter.api.Test;

/** Each surefire execution really runs the width it claims (so the 128-bit and scalar runs test something). */
class ForcedWidthTest {
    @Test
    void backendUsesTheRequestedWidth() {
        String requested = System.getProperty(CpuSettings.VECTOR_BITS, "");
        try (CpuBackend cpu = new CpuBackend(BackendOptions.threads(1))) {
            String device = cpu.device();
            if (requested.equals("0")) {
                assertTrue(device.startsWith("scalar loops (block 1)"), device);
            } else if (!requested.isEmpty() && Integer.parseInt(requested) < CpuSpecies.preferredBits()) {
                assertTrue(device.startsWith("Vector API " + requested + "-bit"), device);
            } else {
                assertTrue(device.startsWith("Vector API " + CpuSpecies.preferredBits() + "-bit"), device);
            }
        }
    }
}
