package io.jresnet.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;

/**
 * Asks for a full collection each time the old generation has grown by {@code step} bytes, while a
 * one-shot command packs a model's weights.
 *
 * <p>Why: a plan made {@linkplain io.jresnet.plan.Plan#forOneCompile for one compile} drops each
 * layer's weights once the backend has packed them, but those weights were promoted to the old
 * generation long before, and the parallel collector (the launcher's) frees old objects only in a full
 * collection, which it runs only when the heap cannot grow. So without this the dropped weights stay
 * beside the packed ones and the heap holds both copies at the end (ResNet-50: about 100 MB each). The
 * JVM reports the threshold crossing on its own notification thread, which runs the collection.
 * With a collector that has no such pool, or none that supports a usage threshold, this does nothing.
 */
final class OldGenerationWatch implements AutoCloseable, NotificationListener {
    private final MemoryPoolMXBean pool;
    private final long step;
    private final AtomicInteger collections = new AtomicInteger();

    /**
     * Starts watching.
     *
     * @param step growth of the old generation, in bytes, between two collections
     */
    OldGenerationWatch(long step) {
        this.step = step;
        MemoryPoolMXBean old = null;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            String name = p.getName();
            if (p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported()
                    && (name.contains("Old") || name.contains("Tenured"))) {
                old = p;
            }
        }
        this.pool = old;
        if (pool != null) {
            ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).addNotificationListener(this, null, null);
            rearm();
        }
    }

    @Override
    public void handleNotification(Notification n, Object handback) {
        if (!MemoryNotificationInfo.MEMORY_THRESHOLD_EXCEEDED.equals(n.getType())) return;
        System.gc();
        collections.incrementAndGet();
        rearm();
    }

    /** The next threshold: {@code step} above today's use, but not past the pool's maximum (the JVM's rule). */
    private void rearm() {
        MemoryUsage usage = pool.getUsage();
        long next = usage.getUsed() + step;
        pool.setUsageThreshold(usage.getMax() < 0 ? next : Math.min(next, usage.getMax()));
    }

    /** {@return whether there is an old generation to watch} */
    boolean watching() {
        return pool != null;
    }

    /** {@return how many collections this watch has asked for} */
    int collections() {
        return collections.get();
    }

    @Override
    public void close() {
        if (pool == null) return;
        pool.setUsageThreshold(0); // 0 disables the threshold
        try {
            ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).removeNotificationListener(this);
        } catch (ListenerNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
