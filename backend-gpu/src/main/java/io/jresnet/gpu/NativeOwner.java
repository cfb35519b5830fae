package io.jresnet.gpu;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The one owner of a set of native handles (device buffers, kernels, queues, host staging memory):
 * each handle is registered with the action that frees it, and {@link #run()} frees them all, most
 * recent first, exactly once. It is both what {@code close()} calls and the {@link
 * java.lang.ref.Cleaner} action that frees the handles if the object holding them is dropped
 * unclosed, so it must never reference that object.
 */
public final class NativeOwner implements Runnable {
    private final Deque<Runnable> releases = new ArrayDeque<>();
    private boolean released;

    /** Registers {@code release} to run when this owner is released; runs it now if already released. */
    public synchronized void own(Runnable release) {
        if (released) {
            release.run();
            throw new IllegalStateException("resource acquired after its owner was released");
        }
        releases.push(release);
    }

    public synchronized boolean released() {
        return released;
    }

    /** Frees everything registered, newest first; later calls do nothing. The first failure is rethrown. */
    @Override
    public synchronized void run() {
        if (released) return;
        released = true;
        RuntimeException first = null;
        while (!releases.isEmpty()) {
            try {
                releases.pop().run();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
