package io.jresnet.gpu.opencl;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.conformance.BackendConformanceSuite;

/** The core conformance suite on the opencl backend with its tuned kernels (POCL in CI). */
class OpenClConformanceTest extends BackendConformanceSuite {
    @Override
    protected Backend createBackend() {
        OpenClTestSupport.requireOpenCl();
        return new OpenClProvider().create(BackendOptions.defaults());
    }
}
