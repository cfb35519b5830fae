package io.jresnet.gpu;

import io.jresnet.BackendException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.Executable;
import io.jresnet.plan.Plan;
import java.lang.ref.Cleaner;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A backend on one GPU runtime (OpenCL or CUDA). It owns the runtime; each {@link Executable} it
 * compiles owns its device buffers, weights and queue. Closing the backend closes the executables
 * still open, then the runtime. A {@link Cleaner} frees everything if either is dropped unclosed.
 *
 * <p>{@link #compile} may be called from several threads; each executable is for one thread at a
 * time (see {@link Executable}).
 */
public final class GpuBackend implements Backend {
    static final Cleaner CLEANER = Cleaner.create();

    private final String name;
    private final GpuRuntime runtime;
    private final KernelVariant variant;
    /** Owners of the executables still open: released before the runtime, never referencing an executable. */
    private final Set<NativeOwner> executables = ConcurrentHashMap.newKeySet();
    private final Cleaner.Cleanable cleanable;

    public GpuBackend(String name, GpuRuntime runtime, KernelVariant variant) {
        this.name = name;
        this.runtime = runtime;
        this.variant = runtime.supportsWorkGroup(256) ? variant : KernelVariant.PLAIN;
        this.cleanable = CLEANER.register(this, new Release(executables, runtime));
    }

    /** Releases every executable's resources, then the runtime's; referenced only by the cleaner. */
    private record Release(Set<NativeOwner> executables, GpuRuntime runtime) implements Runnable {
        @Override
        public void run() {
            try {
                for (NativeOwner o : executables) o.run();
                executables.clear();
            } finally {
                runtime.close();
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String device() {
        return runtime.device();
    }

    /** The kernel twin in use: tuned unless asked for plain or the device's work-groups are too small. */
    public KernelVariant variant() {
        return variant;
    }

    @Override
    public Executable compile(Plan plan) {
        NativeOwner owner = new NativeOwner();
        executables.add(owner);
        try {
            return new GpuExecutable(this, plan, runtime, variant, owner);
        } catch (RuntimeException e) {
            executables.remove(owner);
            try {
                owner.run();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof BackendException ? e
                    : new BackendException(name + ": cannot compile the plan: " + e.getMessage(), e);
        }
    }

    void closed(NativeOwner owner) {
        executables.remove(owner);
    }

    @Override
    public void close() {
        cleanable.clean();
    }
}
