package io.jresnet.gpu.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jresnet.BackendException;
import io.jresnet.gpu.DeviceBuffer;
import io.jresnet.gpu.DeviceInfo;
import io.jresnet.gpu.DeviceMemory;
import io.jresnet.gpu.GpuQueue;
import io.jresnet.gpu.GpuRuntime;
import io.jresnet.gpu.KernelArg;
import io.jresnet.gpu.KernelSources;
import io.jresnet.gpu.LaunchGeometry;
import io.jresnet.gpu.NativeSignals;
import io.jresnet.gpu.NativeOwner;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenCL context on one device with the kernel program built for it (once, when the runtime is
 * created: POCL's cold build takes most of a second, so tests share a backend per class).
 */
final class OpenClRuntime implements GpuRuntime {
    /** A device and the platform it belongs to. */
    record ClDevice(DeviceInfo info, MemorySegment platform, MemorySegment device) {}

    private final OpenCl cl;
    private final ClDevice device;
    private final MemorySegment context;
    private final MemorySegment program;
    private final long maxWorkGroup;
    private final DeviceMemory memory;
    private boolean closed;

    OpenClRuntime(ClDevice device) {
        this(device, KernelSources.expand(KernelSources.OPENCL_ENTRY));
    }

    /** A runtime whose program is built from {@code source} (tests pass a broken one to see the build log). */
    OpenClRuntime(ClDevice device, String source) {
        this.cl = OpenCl.get();
        this.device = device;
        this.maxWorkGroup = cl.deviceLong(device.device(), OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE);
        this.memory = new DeviceMemory("opencl device " + device.info().index() + " (" + device.info().name() + ")",
                cl.deviceLong(device.device(), OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE),
                cl.deviceLong(device.device(), OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE));
        this.context = cl.createContext(device.device());
        MemorySegment built;
        try {
            // POCL compiles with the LLVM inside it, which may install signal handlers of its own.
            built = NativeSignals.preserving("OpenCL program build",
                    () -> cl.buildProgram(context, device.device(), source, ""));
        } catch (RuntimeException e) {
            cl.releaseContext(context);
            throw e;
        }
        this.program = built;
    }

    /** Every device of every platform, numbered in that order. */
    static List<ClDevice> listDevices() {
        // The first clGetPlatformIDs loads and initialises the platforms (POCL installs signal handlers).
        return NativeSignals.preserving("OpenCL platform initialisation", OpenClRuntime::queryDevices);
    }

    private static List<ClDevice> queryDevices() {
        OpenCl cl = OpenCl.get();
        List<ClDevice> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            for (MemorySegment platform : cl.platforms(a)) {
                String platformName = cl.platformString(platform, OpenCl.CL_PLATFORM_NAME);
                for (MemorySegment dev : cl.devices(a, platform)) {
                    String name = cl.deviceString(dev, OpenCl.CL_DEVICE_NAME);
                    String version = cl.deviceString(dev, OpenCl.CL_DEVICE_VERSION);
                    long mem = cl.deviceLong(dev, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE);
                    String description = String.format("%s (%s, %s, %.1f GiB)", name, platformName, version,
                            mem / (double) (1L << 30));
                    // Device and platform ids are process-lifetime handles in OpenCL; no release needed.
                    out.add(new ClDevice(new DeviceInfo(out.size(), name, description), platform, dev));
                }
            }
        }
        return out;
    }

    @Override
    public String device() {
        return device.info().description();
    }

    @Override
    public boolean supportsWorkGroup(long items) {
        return items <= maxWorkGroup;
    }

    private record ClBuffer(MemorySegment mem, long bytes) implements DeviceBuffer {}

    @Override
    public DeviceMemory memory() {
        return memory;
    }

    @Override
    public DeviceMemory.Allocator<ClBuffer> allocator() {
        return allocator;
    }

    private final DeviceMemory.Allocator<ClBuffer> allocator = new DeviceMemory.Allocator<>() {
        @Override
        public ClBuffer allocate(long bytes) {
            return new ClBuffer(cl.createBuffer(context, bytes), bytes);
        }

        @Override
        public void free(ClBuffer buffer) {
            cl.releaseMemObject(buffer.mem());
        }

        @Override
        public boolean isOutOfMemory(RuntimeException failure) {
            return failure instanceof ClStatus.ClException e && switch (e.status()) {
                case ClStatus.CL_MEM_OBJECT_ALLOCATION_FAILURE, ClStatus.CL_OUT_OF_RESOURCES, ClStatus.CL_OUT_OF_HOST_MEMORY,
                        ClStatus.CL_INVALID_BUFFER_SIZE -> true;
                default -> false;
            };
        }
    };

    @Override
    public GpuQueue createQueue(NativeOwner owner) {
        MemorySegment queue = cl.createCommandQueue(context, device.device());
        owner.own(() -> cl.releaseCommandQueue(queue));
        return new Queue(queue);
    }

    private final class Queue implements GpuQueue {
        private final MemorySegment queue;

        Queue(MemorySegment queue) {
            this.queue = queue;
        }

        @Override
        public void write(DeviceBuffer dst, MemorySegment src, long bytes) {
            cl.enqueueWrite(queue, ((ClBuffer) dst).mem(), bytes, src);
        }

        @Override
        public void read(DeviceBuffer src, MemorySegment dst, long bytes) {
            cl.enqueueRead(queue, ((ClBuffer) src).mem(), bytes, dst);
        }

        @Override
        public Launch prepare(String kernelName, LaunchGeometry geometry, List<KernelArg> args, NativeOwner owner) {
            // One cl_kernel per launch with its arguments set once: enqueue() then only enqueues.
            MemorySegment kernel = cl.createKernel(program, kernelName);
            owner.own(() -> cl.releaseKernel(kernel));
            try (Arena a = Arena.ofConfined()) {
                for (int i = 0; i < args.size(); i++) {
                    switch (args.get(i)) {
                        case KernelArg.Buffer(DeviceBuffer b) ->
                                cl.setKernelArg(kernel, i, ADDRESS.byteSize(), a.allocateFrom(ADDRESS, ((ClBuffer) b).mem()), kernelName);
                        case KernelArg.NoBuffer() ->
                                cl.setKernelArg(kernel, i, ADDRESS.byteSize(), a.allocateFrom(ADDRESS, MemorySegment.NULL), kernelName);
                        case KernelArg.Int(int v) -> cl.setKernelArg(kernel, i, 4, a.allocateFrom(JAVA_INT, v), kernelName);
                    }
                }
            }
            Arena sizes = Arena.ofShared();
            owner.own(sizes::close);
            MemorySegment global = sizes.allocateFrom(JAVA_LONG, geometry.global());
            MemorySegment local = sizes.allocateFrom(JAVA_LONG, geometry.local());
            int dims = geometry.rank();
            return () -> cl.enqueueNDRange(queue, kernel, dims, global, local, kernelName);
        }

        @Override
        public void finish() {
            cl.finish(queue);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            cl.releaseProgram(program);
        } finally {
            cl.releaseContext(context);
        }
    }

}
