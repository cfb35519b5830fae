package io.jresnet.cpu;

import io.jresnet.BackendException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run one task at a time, all together: the caller publishes the task
 * by bumping a generation counter and works on it itself. Workers spin for a short while between
 * tasks (consecutive ops of a network follow each other within microseconds) and then park, so an
 * idle backend costs no CPU. Hand-off is a volatile write and a counter, with no allocation and no
 * queue, which is what lets small ops (batch 1, late layers) be split at all; an ExecutorService
 * hand-off costs ~10% of a ResNet-50 run.
 *
 * <p>Two kinds of task:
 * <ul>
 *   <li>{@link #run(ItemTask)}: items claimed as the threads go, from a cursor tagged with the
 *       generation. The caller waits for the items, not for the workers: a worker that wakes late
 *       (parked, or its core busy with another process) finds the cursor used up, or closed and
 *       tagged with an older generation, and claims nothing, so it costs the op nothing. With a
 *       fixed share per thread, one descheduled worker stalled every op of a network for a time
 *       slice.
 *   <li>{@link #run(Task)}: every thread runs the task once with its own index, and the caller
 *       waits for all of them (training's per-thread accumulators need exactly that). Before such a
 *       task is published, the caller waits until every worker has caught up with the previous
 *       generations, so no worker can mistake it for an older one.
 * </ul>
 *
 * <p>Why a late worker cannot touch the wrong item task: the caller closes a generation's cursor
 * (tag unchanged, position past any item count) before it publishes the next task, and a worker
 * reads the task after the generation and the cursor after the task. A claim succeeds only on an
 * open cursor of the worker's own generation, so the task it read is that generation's.
 *
 * <p>{@code run} may be called from several threads (several sessions on one backend); calls are
 * serialised. A task must not call back into its own pool: from a worker that would wait forever for
 * the lock its caller holds, from the caller it would publish a second task over the running one. Such
 * a call throws {@link IllegalStateException} at once instead.
 */
final class WorkerPool implements AutoCloseable {
    /** The part of an op one thread computes: share {@code worker} of {@code workers}. */
    interface Task {
        void run(int worker, int workers);
    }

    /** An op split into {@link #items()} items, claimed {@link #grain()} at a time. Both never change. */
    interface ItemTask {
        int items();

        int grain();

        /** Items {@code [from, to)}, on the calling thread. */
        void compute(int from, int to);
    }

    /** ~100-300 us of spinning before a worker parks. */
    private static final int SPINS = 1 << 13;
    /** Cursor position of a closed generation: past any item count. */
    private static final long CLOSED = Integer.MAX_VALUE;

    private final int size;
    private final Worker[] workers;
    private final AtomicInteger remaining = new AtomicInteger();
    private final Object lock = new Object();
    private volatile Task task;
    private volatile ItemTask itemTask;
    /** (generation & 0xFFFFFFFF) << 32 | next unclaimed item of the current item task. */
    private final AtomicLong cursor = new AtomicLong(CLOSED);
    /** Items of the current item task finished (or failed) so far. */
    private final AtomicInteger itemsDone = new AtomicInteger();
    private volatile long generation;
    private volatile Throwable failure;
    private volatile boolean closed;

    WorkerPool(int threads) {
        this.size = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    int size() {
        return size;
    }

    private static long tag(long generation) {
        return (generation & 0xFFFFFFFFL) << 32;
    }

    /** Computes every item of {@code t} on the threads that are free to help. */
    void run(ItemTask t) {
        checkNotNested();
        int items = t.items();
        if (size == 1 || items <= t.grain()) {
            checkOpen();
            if (items > 0) t.compute(0, items);
            return;
        }
        synchronized (lock) {
            checkOpen();
            long g = generation + 1;
            failure = null;
            task = null;
            itemsDone.set(0);
            itemTask = t;
            cursor.set(tag(g));
            generation = g;
            wakeSleepers();
            Throwable own = null;
            try {
                claimItems(g, t);
            } catch (Throwable e) {
                own = e;
            }
            int spins = 0;
            while (own == null && failure == null && itemsDone.get() < items) spins = pause(spins);
            // Close before the next task is published; after a failure, wait for the items already claimed.
            int claimed = (int) Math.min(items, cursor.getAndSet(tag(g) | CLOSED) & 0xFFFFFFFFL);
            while (itemsDone.get() < claimed) spins = pause(spins);
            itemTask = null;
            rethrow(own != null ? own : failure);
        }
    }

    /** Claims and computes items of generation {@code g} until none are left or the generation closed. */
    private void claimItems(long g, ItemTask t) {
        int items = t.items(), grain = t.grain();
        long open = tag(g);
        while (true) {
            long c = cursor.get();
            int from = (int) c;
            if ((c & 0xFFFFFFFF00000000L) != open || from >= items) return;
            if (!cursor.compareAndSet(c, c + grain)) continue;
            int to = Math.min(items, from + grain);
            try {
                t.compute(from, to);
            } catch (Throwable e) {
                // Recorded before the items count as done, so a caller that sees them done sees this too.
                failure = e;
                throw e;
            } finally {
                itemsDone.addAndGet(to - from);
            }
        }
    }

    void run(Task t) {
        checkNotNested();
        if (size == 1) {
            checkOpen();
            t.run(0, 1);
            return;
        }
        synchronized (lock) {
            checkOpen();
            int spins = 0;
            for (Worker w : workers) {
                while (w.finished != generation && !closed) spins = pause(spins);
            }
            itemTask = null;
            task = t;
            failure = null;
            remaining.set(workers.length);
            generation = generation + 1;
            wakeSleepers();
            Throwable own = null;
            try {
                t.run(0, size);
            } catch (Throwable e) {
                own = e;
            }
            while (remaining.get() != 0) spins = pause(spins);
            task = null;
            rethrow(own != null ? own : failure);
        }
    }

    private void wakeSleepers() {
        for (Worker w : workers) if (w.sleeping) LockSupport.unpark(w);
    }

    private static int pause(int spins) {
        if (spins < SPINS) Thread.onSpinWait();
        else Thread.yield();
        return spins + 1;
    }

    private static void rethrow(Throwable f) {
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error err) throw err;
        if (f != null) throw new BackendException("cpu backend: a worker failed", f);
    }

    /** Refuses a call from inside a task of this pool (on a worker or on the caller running its share). */
    private void checkNotNested() {
        if (Thread.holdsLock(lock) || (Thread.currentThread() instanceof Worker w && w.pool() == this)) {
            throw new IllegalStateException("cpu backend: a task running on the backend's worker pool called back"
                    + " into the pool (" + Thread.currentThread().getName() + "); the pool runs one task at a time,"
                    + " so nested work must run on the calling thread");
        }
    }

    private void checkOpen() {
        if (closed) throw new BackendException("cpu backend: used after close()");
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
        for (Worker w : workers) {
            try {
                w.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The first [from, to) of {@code total} items that share {@code worker} of {@code workers} covers. */
    static int from(int total, int worker, int workers) {
        return (int) ((long) total * worker / workers);
    }

    private final class Worker extends Thread {
        private final int index;
        volatile boolean sleeping;
        /** The last generation this worker has finished with (run, claimed from, or found over). */
        volatile long finished;

        Worker(int index) {
            super("jresnet-cpu-" + index);
            this.index = index;
        }

        WorkerPool pool() {
            return WorkerPool.this;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                int spins = 0;
                long g;
                while ((g = generation) == seen) {
                    if (closed) return;
                    if (++spins < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        // Dekker handshake with run(): set the flag, then re-read the generation; run()
                        // bumps the generation, then reads the flag. One of the two sees the other.
                        sleeping = true;
                        if (generation == seen && !closed) LockSupport.park(this);
                        sleeping = false;
                        spins = 0;
                    }
                }
                seen = g;
                ItemTask items = itemTask;
                Task t = task;
                try {
                    if (items != null) {
                        claimItems(g, items);
                    } else if (t != null) {
                        // Only a generation whose publisher waited for this worker to finish the one
                        // before: t is generation g's.
                        try {
                            t.run(index, size);
                        } catch (Throwable e) {
                            failure = e; // before the count, which the caller reads first
                        } finally {
                            remaining.decrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    failure = e;
                }
                finished = g;
            }
        }
    }
}
