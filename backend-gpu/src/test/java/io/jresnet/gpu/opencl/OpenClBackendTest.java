package io.jresnet.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.BackendException;
import io.jresnet.backend.Availability;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.gpu.DeviceInfo;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.Plan;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The opencl provider and backend around the kernels: probe, device choice, errors, ownership. */
class OpenClBackendTest {
    @BeforeAll
    static void requirePlatform() {
        OpenClTestSupport.requireOpenCl();
    }

    @Test
    void probeNamesTheDeviceAndIsRegistered() {
        Availability a = new OpenClProvider().probe();
        assertTrue(a.available(), a.reason());
        List<DeviceInfo> devices = OpenClProvider.devices();
        assertFalse(devices.isEmpty());
        assertEquals(devices.getFirst().description(), a.device());
        Backends.Status s = Backends.list().stream().filter(x -> x.name().equals("opencl")).findFirst().orElseThrow();
        assertEquals(50, s.provider().priority());
    }

    @Test
    void deviceIsChosenByIndexOrNameAndABadChoiceFails() {
        DeviceInfo first = OpenClProvider.devices().getFirst();
        String word = first.name().split("[^A-Za-z0-9]+")[0];
        try (Backend b = new OpenClProvider().create(new BackendOptions(0, Map.of("device", word)))) {
            assertTrue(b.device().contains(first.name()), b.device());
        }
        BackendException e = assertThrows(BackendException.class,
                () -> new OpenClProvider().create(new BackendOptions(0, Map.of("device", "99"))));
        assertTrue(e.getMessage().contains("out of range") && e.getMessage().contains(first.name()), e.getMessage());
    }

    @Test
    void buildFailureCarriesTheStatusNameAndTheBuildLog() {
        OpenClRuntime.ClDevice device = OpenClRuntime.listDevices().getFirst();
        BackendException e = assertThrows(BackendException.class,
                () -> new OpenClRuntime(device, "__kernel void broken(__global float *y) { y[0] = undeclared_name; }"));
        assertTrue(e.getMessage().startsWith("clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11)"), e.getMessage());
        assertTrue(e.getMessage().contains("undeclared_name"), "the build log names the error: " + e.getMessage());
    }

    @Test
    void driverErrorsAreNamed() {
        assertEquals("CL_INVALID_WORK_GROUP_SIZE", ClStatus.name(-54));
        assertEquals("CL_PLATFORM_NOT_FOUND_KHR", ClStatus.name(-1001));
        assertEquals("CL_ERROR(-4242)", ClStatus.name(-4242));
        BackendException e = assertThrows(BackendException.class, () -> ClStatus.check(-5, "clFinish"));
        assertEquals("clFinish failed: CL_OUT_OF_RESOURCES (-5)", e.getMessage());
    }

    static Plan resnet20(int batch) {
        ResNet net = new ResNet(ResNetSpec.named("resnet20"));
        Initializers.kaiming(net, 5, false);
        Initializers.randomBatchNormStatistics(net, 6);
        return net.plan(Shape.nchw(batch, 3, 13, 13));
    }

    @Test
    void plainKernelsRunAWholeNetwork() {
        Plan plan = resnet20(3);
        Tensor x = Tensor.uniform(plan.inputShape(), -1, 1, 7);
        Tensor expected;
        try (Backend ref = new ReferenceBackend(); CompiledModel m = ref.compile(plan); Session e = m.newSession()) {
            expected = e.run(x);
        }
        try (Backend b = new OpenClProvider().create(new BackendOptions(0, Map.of("kernels", "plain")));
             CompiledModel m = b.compile(plan); Session e = m.newSession()) {
            Tensor actual = e.run(x);
            new Tolerance(1e-3, 1e-3).relativeTo(expected).assertClose(expected, actual, "resnet20 on plain kernels");
        }
    }

    @Test
    void closeFreesOnceAndClosedModelsAndSessionsRefuseToRun() {
        Plan plan = resnet20(1);
        Backend b = new OpenClProvider().create(BackendOptions.defaults());
        CompiledModel first = b.compile(plan);
        CompiledModel second = b.compile(plan);
        Session firstSession = first.newSession(), secondSession = second.newSession();
        Tensor x = Tensor.uniform(plan.inputShape(), -1, 1, 8);
        firstSession.run(x);
        first.close();
        first.close(); // idempotent
        assertThrows(BackendException.class, () -> firstSession.run(x));
        assertThrows(BackendException.class, first::newSession);
        secondSession.run(x);
        b.close(); // frees the models and sessions still open, then the context
        assertThrows(BackendException.class, () -> secondSession.run(x));
        secondSession.close();
        b.close();
    }

    @Test
    void profiledRunGivesTheSameResultAndTimesEveryOp() {
        Plan plan = resnet20(1);
        Tensor x = Tensor.uniform(plan.inputShape(), -1, 1, 9);
        try (Backend b = new OpenClProvider().create(BackendOptions.defaults()); CompiledModel m = b.compile(plan); Session e = m.newSession()) {
            assertTrue(e.supportsProfiling());
            Tensor plain = e.run(x);
            Tensor profiled = Tensor.zeros(e.model().outputShape());
            long[] nanos = new long[plan.ops().size()];
            e.runProfiled(x, profiled, nanos);
            new Tolerance(0, 0).assertClose(plain, profiled, "profiled run");
            for (int i = 0; i < nanos.length; i++) assertTrue(nanos[i] > 0, "op " + i + " timed");
        }
    }

    @Test
    void unknownKernelVariantIsRejected() {
        BackendException e = assertThrows(BackendException.class,
                () -> new OpenClProvider().create(new BackendOptions(0, Map.of("kernels", "fast"))));
        assertTrue(e.getMessage().contains("'plain' or 'tuned'"), e.getMessage());
    }
}
