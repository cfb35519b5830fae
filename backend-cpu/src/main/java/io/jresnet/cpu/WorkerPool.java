package io.jresnet.cpu;

import io.jresnet.BackendException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run one task at a time, all together: the caller publishes the task
 * by bumping a generation counter, runs share 0 itself, and spins until the workers have finished
 * theirs. Workers spin for a short while between tasks (consecutive ops of a network follow each
 * other within microseconds) and then park, so an idle backend costs no CPU. Hand-off is a volatile
 * write and a counter, with no allocation and no queue, which is what lets small ops (batch 1, late
 * layers) be split at all; an ExecutorService hand-off costs ~10% of a ResNet-50 run.
 *
 * <p>{@link #run} may be called from several threads (several executables on one backend); calls
 * are serialised.
 */
final class WorkerPool implements AutoCloseable {
    /** The part of an op one thread computes: share {@code worker} of {@code workers}. */
    interface Task {
        void run(int worker, int workers);
    }

    /** ~100-300 us of spinning before a worker parks. */
    private static final int SPINS = 1 << 13;

    private final int size;
    private final Worker[] workers;
    private final AtomicInteger remaining = new AtomicInteger();
    private final Object lock = new Object();
    private volatile Task task;
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

    void run(Task t) {
        if (size == 1) {
            checkOpen();
            t.run(0, 1);
            return;
        }
        synchronized (lock) {
            checkOpen();
            task = t;
            failure = null;
            remaining.set(workers.length);
            generation = generation + 1;
            for (Worker w : workers) if (w.sleeping) LockSupport.unpark(w);
            Throwable own = null;
            try {
                t.run(0, size);
            } catch (Throwable e) {
                own = e;
            }
            int spins = 0;
            while (remaining.get() != 0) {
                if (++spins < SPINS) Thread.onSpinWait();
                else Thread.yield();
            }
            task = null;
            Throwable f = own != null ? own : failure;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error err) throw err;
            if (f != null) throw new BackendException("cpu backend: a worker failed", f);
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

        Worker(int index) {
            super("jresnet-cpu-" + index);
            this.index = index;
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
                try {
                    task.run(index, size);
                } catch (Throwable e) {
                    failure = e;
                }
                remaining.decrementAndGet();
            }
        }
    }
}
