package io.jresnet.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.gpu.DeviceMemory;
import io.jresnet.gpu.GpuBackend;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.ProcessMemory;
import org.junit.jupiter.api.Test;

/**
 * Compile/close cycles of ResNet-18 on one opencl backend (POCL in CI): after each cycle jresnet
 * holds no device buffer, heap after GC stays flat, and no thread is left behind; in a long run (100
 * cycles or more) the resident set, where POCL keeps device memory, must be flat too from the 10%
 * point on (it climbs for the first few dozen cycles while malloc's arenas, POCL's caches and the
 * heap's committed size settle, so a short run cannot judge it).
 * {@code -Djresnet.longrun.opencl.cycles=N} (default 20; docs/RELIABILITY.md has the 500-cycle run).
 */
class OpenClLongRunTest {
    private static final int CYCLES = Integer.getInteger("jresnet.longrun.opencl.cycles", 20);
    private static final double HEAP_SLACK_MIB = 16;
    /**
     * The resident set may move this much after the 10% point (it swings by about 100 MiB with the
     * heap's committed size); one cycle's device buffers are 45 MiB, so leaking them would pass it
     * within four cycles, and leaking 1 MiB a cycle within 200.
     */
    private static final double RSS_SLACK_MIB = 192;

    @Test
    void compileCloseCyclesGiveBackEveryDeviceBuffer() {
        OpenClTestSupport.requireOpenCl();
        ResNet net = new ResNet(ResNetSpec.named("resnet18"));
        Initializers.kaiming(net, 5, false);
        Plan plan = net.plan(Shape.nchw(1, 3, 32, 32));
        Tensor x = Tensor.uniform(plan.inputShape(), -1, 1, 6);
        try (GpuBackend backend = (GpuBackend) new OpenClProvider().create(BackendOptions.defaults())) {
            int early = Math.min(Math.max(4, CYCLES / 10), CYCLES - 1);
            double heapEarly = 0, rssEarly = 0;
            int threadsEarly = 0;
            long maxBuffers = 0;
            long start = System.nanoTime();
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                try (CompiledModel model = backend.compile(plan); Session session = model.newSession()) {
                    session.run(x);
                    maxBuffers = Math.max(maxBuffers, backend.deviceMemory().buffers());
                }
                DeviceMemory.Usage after = backend.deviceMemory();
                assertEquals(0, after.buffers(), "device buffers still held after cycle " + cycle);
                assertEquals(0, after.bytes(), "device bytes still held after cycle " + cycle);
                if (cycle == early) {
                    heapEarly = ProcessMemory.heapAfterGcMib();
                    rssEarly = ProcessMemory.residentMib();
                    threadsEarly = Thread.activeCount();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double heapLate = ProcessMemory.heapAfterGcMib(), rssLate = ProcessMemory.residentMib();
            System.out.printf("%d opencl compile/close cycles of resnet18 in %.1f s: %d device buffers while open, 0 after"
                    + " each close; heap after GC %.1f MiB after cycle %d, %.1f MiB at the end; RSS %.0f MiB, %.0f"
                    + " MiB;"
                    + " threads %d, %d%n", CYCLES, seconds, maxBuffers, heapEarly, early + 1, heapLate, rssEarly, rssLate,
                    threadsEarly, Thread.activeCount());
            assertTrue(maxBuffers > 40, "the cycles held the model's buffers (" + maxBuffers + ")");
            assertTrue(heapLate - heapEarly <= HEAP_SLACK_MIB, "heap grew from " + heapEarly + " to " + heapLate + " MiB");
            if (CYCLES >= 100) {
                assertTrue(!(rssLate - rssEarly > RSS_SLACK_MIB), "RSS grew from " + rssEarly + " to " + rssLate + " MiB");
            }
            assertTrue(Thread.activeCount() <= threadsEarly, "threads grew from " + threadsEarly + " to " + Thread.activeCount());
        }
    }
}
