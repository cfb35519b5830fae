package io.jresnet.examples.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jresnet.backend.Backends;
import org.junit.jupiter.api.Test;

/** The README's Surefire configuration (this project's) gives tests the cpu backend. */
class SurefireOptionsTest {
    @Test
    void testsRunOnTheCpuBackend() {
        assertEquals("cpu", Backends.select(null).name());
    }
}
