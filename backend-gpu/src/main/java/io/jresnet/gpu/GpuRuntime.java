package io.jresnet.gpu;

/**
 * A device context in the three pieces of tinygrad's runtimes: an allocator ({@link #allocate}),
 * a compiler (the kernel program, built once when the runtime is created) and programs launched on
 * a queue ({@link #createQueue}). Every handle it gives out is registered with the caller's
 * {@link NativeOwner}; the runtime's own handles (context, program) are released by {@link #close()},
 * which must come after every owner of its buffers and queues has been released.
 */
public interface GpuRuntime extends AutoCloseable {
    /** The device in words, e.g. "NVIDIA H200 (CUDA 12.8, sm_90, 141 GB)". */
    String device();

    /** Whether the tuned kernels' 16x16 work-groups fit the device; the plain ones need 64. */
    boolean supportsWorkGroup(long items);

    /** jresnet's allocations on the device and the device's limits. */
    DeviceMemory memory();

    /** The driver's allocation call behind {@link #allocate}. */
    DeviceMemory.Allocator<? extends DeviceBuffer> allocator();

    /**
     * Allocates {@code bytes} of device memory, reserved in {@link #memory()} first and released
     * there when {@code owner} frees it.
     *
     * @throws DeviceMemory.OutOfDeviceMemoryException naming {@code what} when it does not fit
     */
    default DeviceBuffer allocate(long bytes, String what, NativeOwner owner) {
        return memory().allocate(bytes, what, owner, allocator());
    }

    GpuQueue createQueue(NativeOwner owner);

    @Override
    void close();
}
