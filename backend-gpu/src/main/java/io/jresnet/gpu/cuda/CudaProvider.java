package io.jresnet.gpu.cuda;

import io.jresnet.BackendException;
import io.jresnet.backend.Availability;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.BackendProvider;
import io.jresnet.gpu.DeviceInfo;
import io.jresnet.gpu.GpuBackend;
import io.jresnet.gpu.KernelVariant;
import io.jresnet.gpu.NativeSignals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code cuda} backend: NVIDIA GPUs through the driver API ({@code libcuda.so.1}) with the
 * kernels compiled to PTX by NVRTC ({@code libnvrtc.so.*}) at first use and cached on disk per
 * device, driver and compiler version. Options as for {@code opencl}: {@code device}, {@code kernels};
 * {@code -Djresnet.cuda.nvrtc=/path/libnvrtc.so.12} names NVRTC explicitly.
 *
 * <p><b>Signal handlers.</b> Initialising a native platform can replace the JVM's signal handlers
 * (POCL's does, for SIGSEGV among others, and the JVM then dies at a later safepoint). Start a JVM
 * that may use this backend with HotSpot's signal chaining,
 * {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} (the {@code jresnet} launcher does). Without it,
 * {@link io.jresnet.gpu.NativeSignals} puts the JVM's handlers back after each initialising call and
 * logs a warning naming what was replaced. {@link io.jresnet.backend.Backends#select} probes this
 * provider only when it is named or when every provider of higher priority is unavailable.
 */
public final class CudaProvider implements BackendProvider {
    public static final String NAME = "cuda";
    public static final String NVRTC_PROPERTY = "jresnet.cuda.nvrtc";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 200;
    }

    /** Every CUDA device on this machine; empty when there is no driver. */
    public static List<DeviceInfo> devices() {
        try {
            return CudaRuntime.listDevices().stream().map(CudaRuntime.CudaDevice::info).toList();
        } catch (BackendException e) {
            return List.of();
        }
    }

    /** NVRTC: the explicit property if set, else the newest one on the search path. */
    static Optional<Path> findNvrtc(Map<String, String> env, String explicit) {
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        }
        return LibrarySearch.find("nvrtc", LibrarySearch.nvrtcDirectories(env));
    }

    static String nvrtcMissing(Map<String, String> env, String explicit) {
        if (explicit != null && !explicit.isBlank()) {
            return "libnvrtc not found at " + explicit + " (from -D" + NVRTC_PROPERTY + ")";
        }
        return LibrarySearch.notFound("nvrtc", LibrarySearch.nvrtcDirectories(env));
    }

    @Override
    public Availability probe() {
        try {
            List<CudaRuntime.CudaDevice> devices = CudaRuntime.listDevices();
            if (devices.isEmpty()) return Availability.unavailable("no CUDA device: the driver reports none");
            String explicit = System.getProperty(NVRTC_PROPERTY);
            if (findNvrtc(System.getenv(), explicit).isEmpty()) {
                return Availability.unavailable(nvrtcMissing(System.getenv(), explicit));
            }
            DeviceInfo chosen = DeviceInfo.choose(devices.stream().map(CudaRuntime.CudaDevice::info).toList(),
                    DeviceInfo.requested(BackendOptions.defaults()));
            return Availability.available(chosen.description());
        } catch (BackendException e) {
            return Availability.unavailable(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("CUDA probe failed: " + e);
        }
    }

    @Override
    public Backend create(BackendOptions options) {
        List<CudaRuntime.CudaDevice> devices = CudaRuntime.listDevices();
        if (devices.isEmpty()) throw new BackendException("no CUDA device: the driver reports none");
        DeviceInfo chosen = DeviceInfo.choose(devices.stream().map(CudaRuntime.CudaDevice::info).toList(),
                DeviceInfo.requested(options));
        String explicit = System.getProperty(NVRTC_PROPERTY);
        Path nvrtcPath = findNvrtc(System.getenv(), explicit)
                .orElseThrow(() -> new BackendException(nvrtcMissing(System.getenv(), explicit)));
        PtxCache cache = new PtxCache(PtxCache.defaultDirectory(System.getenv(), System.getProperty("user.home"),
                System.getProperty(PtxCache.DIR_PROPERTY)));
        KernelVariant variant = KernelVariant.parse(options.property(KernelVariant.OPTION,
                System.getProperty(KernelVariant.PROPERTY)));
        // Loading NVRTC and creating the context are native initialisations too; keep the JVM's handlers.
        CudaRuntime runtime = NativeSignals.preserving("CUDA context and NVRTC initialisation",
                () -> new CudaRuntime(devices.get(chosen.index()), new Nvrtc(nvrtcPath), cache));
        return new GpuBackend(NAME, runtime, variant);
    }
}
