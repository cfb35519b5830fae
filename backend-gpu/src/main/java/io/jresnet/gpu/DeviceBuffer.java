package io.jresnet.gpu;

/** Device memory allocated by a {@link GpuRuntime}; freed by the {@link NativeOwner} it was registered with. */
public interface DeviceBuffer {
    long bytes();
}
