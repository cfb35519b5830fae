package io.jresnet.reference;

import io.jresnet.conformance.BackendConformanceSuite;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite's load test on the reference backend itself (the rest of the suite compares
 * a backend with the reference, which says nothing about the reference): 16 threads, 500 runs each
 * at mixed batch sizes, bit for bit what one session gives; and interrupted runs stopping cleanly.
 */
class ReferenceConcurrencyTest {
    @Test
    void sixteenThreadsWithMixedBatchesMatchOneSessionExactly() throws Exception {
        try (ReferenceBackend backend = new ReferenceBackend()) {
            BackendConformanceSuite.assertConcurrentRunsMatchOneSession(backend);
        }
    }

    @Test
    void anInterruptedRunStopsWithAClearErrorAndTheSessionStaysUsable() throws Exception {
        try (ReferenceBackend backend = new ReferenceBackend()) {
            BackendConformanceSuite.assertInterruptedRunsStopAndLeaveTheSessionUsable(backend);
        }
    }
}
