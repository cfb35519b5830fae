package io.jresnet.gpu.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import io.jresnet.backend.Availability;
import org.junit.jupiter.api.Assumptions;

/**
 * Skips a test class when there is no OpenCL platform, unless the environment sets
 * {@code JRESNET_REQUIRE_OPENCL=1} (CI does): then a missing platform fails, so the backend cannot
 * silently stop being tested.
 */
final class OpenClTestSupport {
    static final String REQUIRE = "JRESNET_REQUIRE_OPENCL";

    private OpenClTestSupport() {}

    static void requireOpenCl() {
        Availability a = new OpenClProvider().probe();
        if (a.available()) return;
        if ("1".equals(System.getenv(REQUIRE))) fail(REQUIRE + "=1 but the opencl backend is unavailable: " + a.reason());
        Assumptions.abort("opencl backend unavailable: " + a.reason());
    }
}
