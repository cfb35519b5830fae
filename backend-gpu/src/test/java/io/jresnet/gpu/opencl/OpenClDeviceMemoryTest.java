package io.jresnet.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.gpu.DeviceMemory;
import io.jresnet.gpu.GpuBackend;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Out of device memory: a model compiled for more than the device holds fails with a message that
 * says how much, for what, and what the device has, before anything is allocated; the buffers held
 * before are still held, nothing more; and the backend goes on working. Sized from the device's own
 * limits (POCL in CI: 9 GiB, 4 GiB per buffer), so nothing large is ever allocated.
 */
class OpenClDeviceMemoryTest {
    static GpuBackend backend;

    @BeforeAll
    static void createBackend() {
        OpenClTestSupport.requireOpenCl();
        backend = (GpuBackend) new OpenClProvider().create(BackendOptions.defaults());
    }

    @AfterAll
    static void closeBackend() {
        if (backend != null) backend.close();
    }

    @Test
    void aBufferLargerThanTheDeviceAllowsFailsAndTheBackendStaysUsable() {
        long maxAllocation = backend.deviceMemory().maxAllocationBytes();
        int h = 256;
        long channels = maxAllocation / ((long) Float.BYTES * h * h) + 1; // one conv output just over the limit
        org.junit.jupiter.api.Assumptions.assumeTrue(channels * h * h < Integer.MAX_VALUE, "device allows huge buffers");
        GraphBuilder b = new GraphBuilder();
        int x = b.input(Shape.nchw(1, 3, h, h));
        int wide = b.conv("wide", x, Tensor.uniform(Shape.of((int) channels, 3, 1, 1), -1, 1, 3), null, 1, 1, 0, 0, 0, 0);
        Plan plan = Planner.plan(b.build(b.globalAvgPool("gap", wide)));
        try (CompiledModel model = backend.compile(plan)) {
            DeviceMemory.Usage weightsOnly = backend.deviceMemory();
            DeviceMemory.OutOfDeviceMemoryException e =
                    assertThrows(DeviceMemory.OutOfDeviceMemoryException.class, model::newSession);
            assertTrue(e.getMessage().contains("out of device memory on opencl device")
                    && e.getMessage().contains("activations of a session for input [1, 3, 256, 256]")
                    && e.getMessage().contains("in one allocation"), e.getMessage());
            assertEquals(weightsOnly, backend.deviceMemory(), "the failed session holds nothing");
        }
        assertEquals(0, backend.deviceMemory().buffers(), "closing the model frees its weights");
        assertStillWorks();
    }

    @Test
    void aSessionBeyondTheDevicesMemoryFailsBeforeAllocatingAnything() {
        DeviceMemory.Usage device = backend.deviceMemory();
        ResNet net = new ResNet(ResNetSpec.named("resnet20"));
        Initializers.kaiming(net, 1, false);
        Plan one = net.plan(Shape.nchw(1, 3, 32, 32));
        long perImage = 0, largestPerImage = 0;
        for (int i = 0; i < one.bufferCount(); i++) {
            perImage += one.bufferFloats(i) * Float.BYTES;
            largestPerImage = Math.max(largestPerImage, one.bufferFloats(i) * Float.BYTES);
        }
        int batch = (int) (device.totalBytes() * 1.2 / perImage) + 1; // ResNet-20 at this batch needs 1.2x the device
        org.junit.jupiter.api.Assumptions.assumeTrue(largestPerImage * batch <= device.maxAllocationBytes()
                && batch * 3L * 32 * 32 < Integer.MAX_VALUE, "the device's limits make a different test");
        try (CompiledModel model = backend.compile(net.plan(Shape.nchw(batch, 3, 32, 32)))) {
            DeviceMemory.Usage weightsOnly = backend.deviceMemory();
            DeviceMemory.OutOfDeviceMemoryException e =
                    assertThrows(DeviceMemory.OutOfDeviceMemoryException.class, model::newSession);
            assertTrue(e.getMessage().contains("activations of a session for input [" + batch + ", 3, 32, 32]")
                    && e.getMessage().contains("compile for a smaller batch"), e.getMessage());
            assertEquals(weightsOnly, backend.deviceMemory(), "nothing was allocated");
        }
        assertStillWorks();
    }

    /** A small model compiles and runs right after the failure, and gives what the reference gives. */
    private static void assertStillWorks() {
        ResNet net = new ResNet(ResNetSpec.named("resnet20"));
        Initializers.kaiming(net, 4, false);
        Plan plan = net.plan(Shape.nchw(2, 3, 16, 16));
        Tensor x = Tensor.uniform(plan.inputShape(), -1, 1, 5);
        Tensor expected;
        try (ReferenceBackend ref = new ReferenceBackend(); CompiledModel m = ref.compile(plan); Session s = m.newSession()) {
            expected = s.run(x);
        }
        try (CompiledModel m = backend.compile(plan); Session s = m.newSession()) {
            new Tolerance(1e-3, 1e-3).relativeTo(expected).assertClose(expected, s.run(x), "after out of device memory");
        }
        assertEquals(0, backend.deviceMemory().buffers());
        assertEquals(0, backend.deviceMemory().bytes());
    }
}
