package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.ProcessMemory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Long runs on the cpu backend, short in the suite and long on request: memory stays flat and every
 * worker thread stops on close.
 * <ul>
 *   <li>compile/close cycles of ResNet-18: each cycle creates a backend with 2 threads, compiles
 *       (packs 11.7 M weights), runs once and closes everything. Heap after GC must not grow beyond
 *       {@link #HEAP_SLACK_MIB} between cycle 5 and the last (in runs of 100 cycles or more, nor
 *       the resident set beyond {@link #RSS_SLACK_MIB} between the 10% point and the last), and no
 *       {@code jresnet-cpu-} thread may outlive its backend. {@code -Djresnet.longrun.cycles=N} (default 20; docs/RELIABILITY.md
 *       has the 2,000-cycle run).</li>
 *   <li>inferences of ResNet-20 on one compiled model: heap after GC flat within the same bound, and
 *       from 10,000 inferences on the resident set too.
 *       {@code -Djresnet.longrun.inferences=N} (default 2,000; 100,000 in docs/RELIABILITY.md).</li>
 * </ul>
 */
class LongRunTest {
    private static final int CYCLES = Integer.getInteger("jresnet.longrun.cycles", 20);
    private static final int INFERENCES = Integer.getInteger("jresnet.longrun.inferences", 2_000);
    /** Heap after GC may differ by this much between two points of a run (GC and JIT noise). */
    private static final double HEAP_SLACK_MIB = 16;
    /**
     * In a long run, the resident set may move this much between the 10% point and the end (it swings
     * with the heap's committed size; before that point it is still settling, so short runs only
     * report it). The packed weights live on the heap, checked above; this catches native memory.
     */
    private static final double RSS_SLACK_MIB = 192;

    @Test
    void compileCloseCyclesReleaseMemoryAndThreads() {
        ResNet net = new ResNet(ResNetSpec.named("resnet18"));
        Initializers.kaiming(net, 5, false);
        Shape in = Shape.nchw(1, 3, 32, 32);
        Plan plan = net.plan(in);
        Tensor x = Tensor.uniform(in, -1, 1, 6);
        int threadsBefore = workerThreads();
        double early = 0, earlyRss = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            try (CpuBackend cpu = new CpuBackend(BackendOptions.threads(2)); CompiledModel model = cpu.compile(plan);
                 Session session = model.newSession()) {
                session.run(x);
            }
            if (cycle == Math.min(4, CYCLES - 1)) early = heapAfterGcMib();
            if (cycle == Math.min(Math.max(4, CYCLES / 10), CYCLES - 1)) earlyRss = ProcessMemory.residentMib();
        }
        double late = heapAfterGcMib(), lateRss = ProcessMemory.residentMib();
        System.out.printf("%d compile/close cycles of resnet18: heap after GC %.1f MiB after cycle 5, %.1f MiB at the"
                + " end; RSS %.0f MiB at the 10%% point, %.0f MiB at the end; jresnet-cpu threads %d before, %d after%n",
                CYCLES, early, late, earlyRss, lateRss, threadsBefore, workerThreads());
        assertTrue(late - early <= HEAP_SLACK_MIB, "heap grew from " + early + " to " + late + " MiB");
        if (CYCLES >= 100) {
            assertTrue(!(lateRss - earlyRss > RSS_SLACK_MIB), "RSS grew from " + earlyRss + " to " + lateRss + " MiB");
        }
        assertEquals(threadsBefore, workerThreads(), "worker threads left running after close");
    }

    @Test
    void manyInferencesKeepTheHeapFlat() {
        ResNet net = new ResNet(ResNetSpec.named("resnet20"));
        Initializers.kaiming(net, 7, false);
        Shape in = Shape.nchw(1, 3, 32, 32);
        try (CpuBackend cpu = new CpuBackend(BackendOptions.threads(2)); CompiledModel model = cpu.compile(net.plan(in));
             Session session = model.newSession()) {
            Tensor x = Tensor.uniform(in, -1, 1, 8), y = Tensor.zeros(model.outputShape());
            double early = 0, earlyRss = 0;
            long start = System.nanoTime();
            for (int i = 0; i < INFERENCES; i++) {
                session.run(x, y);
                if (i == INFERENCES / 10) {
                    early = heapAfterGcMib();
                    earlyRss = ProcessMemory.residentMib();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9, late = heapAfterGcMib();
            double lateRss = ProcessMemory.residentMib();
            System.out.printf("%d resnet20 inferences in %.1f s: heap after GC %.1f MiB at 10%%, %.1f MiB at the end;"
                    + " RSS %.0f MiB at 10%%, %.0f MiB at the end%n", INFERENCES, seconds, early,
                    late, earlyRss, lateRss);
            assertTrue(late - early <= HEAP_SLACK_MIB, "heap grew from " + early + " to " + late + " MiB");
            if (INFERENCES >= 10_000) {
                assertTrue(!(lateRss - earlyRss > RSS_SLACK_MIB), "RSS grew from " + earlyRss + " to " + lateRss + " MiB");
            }
            assertTrue(Float.isFinite(y.get(0, 0)), Arrays.toString(y.toArray()));
        }
    }

    /** Live threads of any cpu backend's pool. */
    private static int workerThreads() {
        long deadline = System.nanoTime() + 2_000_000_000L; // close() joins with a timeout: give stragglers a moment
        int n;
        do {
            n = (int) Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && t.getName().startsWith("jresnet-cpu-")).count();
        } while (n > 0 && System.nanoTime() < deadline && pause());
        return n;
    }

    private static boolean pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    private static double heapAfterGcMib() {
        return ProcessMemory.heapAfterGcMib();
    }
}
