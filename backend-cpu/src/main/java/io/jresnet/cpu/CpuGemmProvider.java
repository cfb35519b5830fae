package io.jresnet.cpu;

import io.jresnet.BackendException;
import io.jresnet.backend.Availability;
import io.jresnet.backend.Gemm;
import io.jresnet.backend.GemmProvider;

/**
 * GEMM provider {@code cpu}, priority 100: {@link VectorGemm} on its own {@link WorkerPool}. Like
 * {@link CpuProvider} it needs {@code jdk.incubator.vector} in the boot layer and loads no Vector API
 * class before checking, so without the module the probe says why and {@code Gemms.best} falls back
 * to the reference.
 */
public final class CpuGemmProvider implements GemmProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        if (!CpuProvider.vectorModulePresent()) return Availability.unavailable(CpuProvider.MISSING);
        try {
            CpuSettings.requestedVectorBits();
            return Availability.available("Vector API " + CpuSpecies.preferredBits() + "-bit SGEMM, "
                    + Runtime.getRuntime().availableProcessors() + " cores (" + System.getProperty("os.arch") + ")");
        } catch (BackendException e) {
            return Availability.unavailable(e.getMessage());
        } catch (LinkageError e) {
            return Availability.unavailable("the Vector API failed to load: " + e);
        }
    }

    /** The pool's threads are daemons that park when idle; the GEMM lives as long as its users. */
    @Override
    public Gemm create(int threads) {
        if (!CpuProvider.vectorModulePresent()) throw new BackendException("cpu gemm: " + CpuProvider.MISSING);
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        try {
            return new VectorGemm(new WorkerPool(n));
        } catch (LinkageError e) {
            throw new BackendException("cpu gemm: the Vector API failed to load", e);
        }
    }
}
