package io.jresnet.cpu;

import io.jresnet.BackendException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.TrainingKernels;
import io.jresnet.plan.Plan;
import io.jresnet.reference.ReferenceTrainingKernels;

/**
 * The cpu backend: Vector API kernels (or their scalar twins) on a fixed pool of
 * {@link BackendOptions#resolvedThreads()} threads, the calling thread being one of them.
 *
 * <p>Options: {@code vectorBits=0} in {@link BackendOptions#properties()} forces the scalar path for
 * this backend (inference, and training's element-wise loops); any other width is JVM-wide ({@code -Djresnet.cpu.vectorBits}, see {@link CpuSettings}).
 * {@code winograd=true|false|always} overrides {@code -Djresnet.cpu.winograd} for this backend.
 * {@link #close()} stops the threads.
 */
public final class CpuBackend implements Backend {
    private final CpuKernels kernels;
    private final WorkerPool pool;
    private final VectorGemm gemm;
    private final String device;
    private final CpuSettings.Winograd winograd;

    CpuBackend(BackendOptions options) {
        int bits = CpuSettings.requestedVectorBits();
        String option = options.property("vectorBits", null);
        if (option != null) {
            int asked = CpuSettings.parseBits("option vectorBits", option);
            if (asked != 0 && asked != bits) {
                throw new BackendException("cpu backend: option vectorBits=" + asked + " can only be 0 (scalar); the "
                        + "vector width is JVM-wide, set -D" + CpuSettings.VECTOR_BITS + "=" + asked);
            }
            bits = asked;
        }
        this.kernels = bits == 0 ? new ScalarKernels(1) : new VectorKernels();
        String winogradOption = options.property("winograd", null);
        this.winograd = winogradOption == null ? CpuSettings.winograd()
                : CpuSettings.parseWinograd("option winograd", winogradOption);
        this.pool = new WorkerPool(options.resolvedThreads());
        this.gemm = new VectorGemm(pool);
        this.device = kernels.description() + ", " + pool.size() + " thread" + (pool.size() == 1 ? "" : "s") + " ("
                + System.getProperty("os.arch") + ")";
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String device() {
        return device;
    }

    /** Weights are packed here, once; see {@link CpuCompiledModel} for threading rules. */
    @Override
    public CompiledModel compile(Plan plan) {
        return new CpuCompiledModel(plan, kernels, pool, winograd);
    }

    /**
     * {@link VectorTrainingKernels} on this backend's worker pool: training and inference share the same
     * threads. With {@code vectorBits=0} the element-wise loops are the scalar reference's, still
     * split over the pool, and convolutions still multiply on {@link VectorGemm}.
     */
    @Override
    public TrainingKernels newTrainingKernels() {
        return kernels instanceof ScalarKernels ? new ReferenceTrainingKernels(gemm) : new VectorTrainingKernels(gemm);
    }

    @Override
    public void close() {
        pool.close();
    }
}
