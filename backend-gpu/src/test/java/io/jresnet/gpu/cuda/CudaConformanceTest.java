package io.jresnet.gpu.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import io.jresnet.backend.Availability;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.conformance.BackendConformanceSuite;
import org.junit.jupiter.api.Assumptions;

/**
 * The core conformance suite on the cuda backend. Skipped (visibly) without an NVIDIA driver, GPU and
 * NVRTC; {@code JRESNET_REQUIRE_CUDA=1} (set by bench/gpu/run-on-device.sh) turns the skip into a failure.
 */
class CudaConformanceTest extends BackendConformanceSuite {
    @Override
    protected Backend createBackend() {
        Availability a = new CudaProvider().probe();
        if (!a.available()) {
            if ("1".equals(System.getenv("JRESNET_REQUIRE_CUDA"))) fail("JRESNET_REQUIRE_CUDA=1 but " + a.reason());
            Assumptions.abort("cuda backend unavailable: " + a.reason());
        }
        return new CudaProvider().create(BackendOptions.defaults());
    }
}
