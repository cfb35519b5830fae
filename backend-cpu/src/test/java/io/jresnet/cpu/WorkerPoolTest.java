package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The pool's hand-off protocol: every item of an item task runs exactly once, whichever threads
 * claim it and however late they wake, and a per-thread task still runs once per thread when it
 * follows item tasks that workers may not have looked at yet. More threads than cores make workers
 * late on purpose.
 */
class WorkerPoolTest {
    private record Counting(AtomicIntegerArray hits, int items, int grain) implements WorkerPool.ItemTask {
        @Override
        public void compute(int from, int to) {
            for (int i = from; i < to; i++) hits.incrementAndGet(i);
        }
    }

    @Test
    void everyItemRunsExactlyOnceAndPerThreadTasksOncePerThread() {
        int threads = 2 * Runtime.getRuntime().availableProcessors() + 1;
        Random random = new Random(7);
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int round = 0; round < 20_000; round++) {
                if (round % 97 == 0) {
                    AtomicIntegerArray perThread = new AtomicIntegerArray(threads);
                    pool.run((worker, workers) -> {
                        assertEquals(threads, workers);
                        perThread.incrementAndGet(worker);
                    });
                    for (int w = 0; w < threads; w++) assertEquals(1, perThread.get(w), "thread " + w + " in round " + round);
                    continue;
                }
                int items = 1 + random.nextInt(64);
                AtomicIntegerArray hits = new AtomicIntegerArray(items);
                pool.run(new Counting(hits, items, 1 + random.nextInt(4)));
                for (int i = 0; i < items; i++) assertEquals(1, hits.get(i), "item " + i + " of " + items + " in round " + round);
            }
        }
    }

    @Test
    void aFailingItemIsReportedAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(3)) {
            IllegalStateException boom = new IllegalStateException("item 5");
            WorkerPool.ItemTask failing = new WorkerPool.ItemTask() {
                @Override
                public int items() {
                    return 16;
                }

                @Override
                public int grain() {
                    return 1;
                }

                @Override
                public void compute(int from, int to) {
                    if (from <= 5 && 5 < to) throw boom;
                }
            };
            assertSame(boom, assertThrows(IllegalStateException.class, () -> pool.run(failing)));
            AtomicIntegerArray hits = new AtomicIntegerArray(40);
            pool.run(new Counting(hits, 40, 3));
            for (int i = 0; i < 40; i++) assertEquals(1, hits.get(i), "item " + i);
        }
    }

    /**
     * A task that calls back into its own pool, on a worker (which would wait forever for the lock the
     * caller holds) or on the caller (which would publish a task over the running one), fails at once
     * with an {@link IllegalStateException} instead of hanging, and the pool stays usable.
     */
    @Test
    void aTaskCallingBackIntoItsPoolFailsAtOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int from = 0; from < 3; from++) { // from the caller's share and from each worker's
                int caller = from;
                IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                        () -> assertThrows(IllegalStateException.class, () -> pool.run((worker, workers) -> {
                            if (worker == caller) pool.run(new Counting(new AtomicIntegerArray(8), 8, 1));
                        })), "nested call from share " + caller);
                assertTrue(e.getMessage().contains("called back into the pool"), e.getMessage());
            }
            IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThrows(IllegalStateException.class, () -> pool.run(new WorkerPool.ItemTask() {
                        @Override
                        public int items() {
                            return 64;
                        }

                        @Override
                        public int grain() {
                            return 1;
                        }

                        @Override
                        public void compute(int from, int to) {
                            pool.run((worker, workers) -> { });
                        }
                    })));
            assertTrue(e.getMessage().contains("called back into the pool"), e.getMessage());
            AtomicIntegerArray hits = new AtomicIntegerArray(40);
            pool.run(new Counting(hits, 40, 3));
            for (int i = 0; i < 40; i++) assertEquals(1, hits.get(i), "item " + i);
        }
    }
}
