package io.jresnet.cpu;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.conformance.BackendConformanceSuite;

/**
 * The shared conformance suite on the cpu backend with two threads. The pom reruns this class in the
 * forked executions with {@code -Djresnet.cpu.vectorBits=128} and {@code =0} (scalar path).
 */
class CpuConformanceTest extends BackendConformanceSuite {
    @Override
    protected Backend createBackend() {
        return new CpuProvider().create(BackendOptions.threads(2));
    }
}
