package io.jresnet.gpu;

import io.jresnet.BackendException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.TrainingKernels;
import io.jresnet.reference.ReferenceGemm;
import io.jresnet.reference.ReferenceTrainingKernels;
import io.jresnet.plan.Plan;
import java.lang.ref.Cleaner;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A backend on one GPU runtime (OpenCL or CUDA). It owns the runtime; each compiled model owns its
 * weights on the device, and each session its activation buffers and queue. Closing the backend
 * frees the models and sessions still open, then the runtime. A {@link Cleaner} frees everything if
 * any of them is dropped unclosed.
 *
 * <p>{@link #compile} and {@link io.jresnet.backend.CompiledModel#newSession()} may be called from
 * several threads; each session is for one thread at a time.
 */
public final class GpuBackend implements Backend {
    static final Cleaner CLEANER = Cleaner.create();

    private final String name;
    private final GpuRuntime runtime;
    private final KernelVariant variant;
    /** Owners of the compiled models and sessions still open: released before the runtime, never referencing either. */
    private final Set<NativeOwner> owners = ConcurrentHashMap.newKeySet();
    private final Cleaner.Cleanable cleanable;
    private final ReferenceGemm trainingGemm;

    public GpuBackend(String name, GpuRuntime runtime, KernelVariant variant) {
        this.name = name;
        this.runtime = runtime;
        this.variant = runtime.supportsWorkGroup(256) ? variant : KernelVariant.PLAIN;
        this.cleanable = CLEANER.register(this, new Release(owners, runtime));
        this.trainingGemm = ReferenceGemm.fallback(name + " has no training kernels");
    }

    /** Releases every executable's resources, then the runtime's; referenced only by the cleaner. */
    private record Release(Set<NativeOwner> owners, GpuRuntime runtime) implements Runnable {
        @Override
        public void run() {
            try {
                for (NativeOwner o : owners) o.run();
                owners.clear();
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

    /**
     * {@return what this backend's models and sessions hold on the device now, and the device's limits}
     * Closing every model and session brings it back to no buffers and no bytes.
     */
    public DeviceMemory.Usage deviceMemory() {
        return runtime.memory().usage();
    }

    /** The kernel twin in use: tuned unless asked for plain or the device's work-groups are too small. */
    public KernelVariant variant() {
        return variant;
    }

    @Override
    public CompiledModel compile(Plan plan) {
        return track(owner -> new GpuCompiledModel(this, plan, runtime, variant, owner));
    }

    /** Makes something that owns native memory through a new tracked owner, freeing it if making fails. */
    <T> T track(java.util.function.Function<NativeOwner, T> make) {
        NativeOwner owner = new NativeOwner();
        owners.add(owner);
        try {
            return make.apply(owner);
        } catch (RuntimeException e) {
            owners.remove(owner);
            try {
                owner.run();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof BackendException ? e
                    : new BackendException(name + ": cannot compile the plan or open a session: " + e.getMessage(), e);
        }
    }

    void closed(NativeOwner owner) {
        owners.remove(owner);
    }

    /** GPU training kernels do not exist yet: training on this backend runs the scalar reference kernels on the CPU. */
    @Override
    public TrainingKernels newTrainingKernels() {
        return new ReferenceTrainingKernels(trainingGemm);
    }

    @Override
    public void close() {
        cleanable.clean();
    }
}
