package io.jresnet.gpu.opencl;

import io.jresnet.BackendException;
import io.jresnet.backend.Availability;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.BackendProvider;
import io.jresnet.gpu.DeviceInfo;
import io.jresnet.gpu.GpuBackend;
import io.jresnet.gpu.KernelVariant;
import java.util.List;

/**
 * The {@code opencl} backend: any OpenCL 1.2 device reached through the ICD loader
 * {@code libOpenCL.so.1} (GPUs, or POCL on the CPU, which is how the kernels are tested without a
 * GPU). Options: {@code device} (index or name, also {@code -Djresnet.gpu.device}) and
 * {@code kernels} ({@code plain} or {@code tuned}, also {@code -Djresnet.gpu.kernels}).
 *
 * <p><b>Signal handlers.</b> Initialising a native platform can replace the JVM's signal handlers
 * (POCL's does, for SIGSEGV among others, and the JVM then dies at a later safepoint). Start a JVM
 * that may use this backend with HotSpot's signal chaining,
 * {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} (the {@code jresnet} launcher does). Without it,
 * {@link io.jresnet.gpu.NativeSignals} puts the JVM's handlers back after each initialising call and
 * logs a warning naming what was replaced. {@link io.jresnet.backend.Backends#select} probes this
 * provider only when it is named or when every provider of higher priority is unavailable.
 */
public final class OpenClProvider implements BackendProvider {
    public static final String NAME = "opencl";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 50;
    }

    /** Every OpenCL device on this machine; empty when there is no loader or platform. */
    public static List<DeviceInfo> devices() {
        try {
            return OpenClRuntime.listDevices().stream().map(OpenClRuntime.ClDevice::info).toList();
        } catch (BackendException e) {
            return List.of();
        }
    }

    @Override
    public Availability probe() {
        try {
            List<OpenClRuntime.ClDevice> devices = OpenClRuntime.listDevices();
            if (devices.isEmpty()) {
                return Availability.unavailable("no OpenCL platform: " + OpenCl.LIBRARY
                        + " is installed but no platform has a device (is an ICD in /etc/OpenCL/vendors?)");
            }
            return Availability.available(choose(devices, DeviceInfo.requested(BackendOptions.defaults())).info().description());
        } catch (BackendException e) {
            return Availability.unavailable(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("OpenCL probe failed: " + e);
        }
    }

    @Override
    public Backend create(BackendOptions options) {
        List<OpenClRuntime.ClDevice> devices = OpenClRuntime.listDevices();
        if (devices.isEmpty()) throw new BackendException("no OpenCL platform has a device");
        OpenClRuntime.ClDevice device = choose(devices, DeviceInfo.requested(options));
        KernelVariant variant = KernelVariant.parse(options.property(KernelVariant.OPTION,
                System.getProperty(KernelVariant.PROPERTY)));
        return new GpuBackend(NAME, new OpenClRuntime(device), variant);
    }

    private static OpenClRuntime.ClDevice choose(List<OpenClRuntime.ClDevice> devices, String wanted) {
        DeviceInfo chosen = DeviceInfo.choose(devices.stream().map(OpenClRuntime.ClDevice::info).toList(), wanted);
        return devices.get(chosen.index());
    }
}
