package io.jresnet.gpu;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** An in-order command queue (OpenCL) or stream (CUDA): copies and launches run in the order issued. */
public interface GpuQueue {
    /** Copies {@code bytes} from host memory to {@code dst}; returns when {@code src} may be reused. */
    void write(DeviceBuffer dst, MemorySegment src, long bytes);

    /** Copies {@code bytes} from {@code src} to host memory after everything issued before; blocks until done. */
    void read(DeviceBuffer src, MemorySegment dst, long bytes);

    /**
     * Binds a kernel to its arguments and geometry once, so that {@link Launch#enqueue()} in the
     * steady state allocates nothing and sets nothing.
     */
    Launch prepare(String kernel, LaunchGeometry geometry, List<KernelArg> args, NativeOwner owner);

    /** Waits for everything issued so far. */
    void finish();

    /** A kernel bound to its arguments. */
    interface Launch {
        void enqueue();
    }
}
