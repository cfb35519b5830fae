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

    DeviceBuffer allocate(long bytes, NativeOwner owner);

    GpuQueue createQueue(NativeOwner owner);

    @Override
    void close();
}
