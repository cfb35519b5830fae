package io.jresnet.gpu.cuda;

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
import io.jresnet.gpu.NativeOwner;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CUDA context on one device with the kernels loaded as one module: compiled by NVRTC to PTX at
 * first use, or read from the {@link PtxCache}, and JIT-compiled by the driver for the GPU.
 */
final class CudaRuntime implements GpuRuntime {
    /** A device as the driver numbers it, with what the PTX depends on. */
    record CudaDevice(DeviceInfo info, int ordinal, int computeMajor, int computeMinor, int maxThreadsPerBlock) {}

    private final CudaDriver driver;
    private final CudaDevice device;
    private final MemorySegment context;
    private final MemorySegment module;
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final DeviceMemory memory;
    private boolean closed;

    CudaRuntime(CudaDevice device, Nvrtc nvrtc, PtxCache cache) {
        this.driver = CudaDriver.get();
        this.device = device;
        long total = driver.totalMemory(driver.device(device.ordinal()));
        this.memory = new DeviceMemory("cuda device " + device.ordinal() + " (" + device.info().name() + ")", total, total);
        this.context = driver.createContext(driver.device(device.ordinal()));
        MemorySegment loaded;
        try {
            loaded = loadKernels(nvrtc, cache);
        } catch (RuntimeException e) {
            driver.destroyContext(context);
            throw e;
        }
        this.module = loaded;
    }

    /** The NVRTC options for a device: PTX for its virtual architecture, which the driver finishes. */
    static List<String> compileOptions(int computeMajor, int computeMinor) {
        return List.of("--gpu-architecture=compute_" + computeMajor + computeMinor, "--std=c++17");
    }

    private MemorySegment loadKernels(Nvrtc nvrtc, PtxCache cache) {
        String source = KernelSources.expand(KernelSources.CUDA_ENTRY);
        List<String> options = compileOptions(device.computeMajor(), device.computeMinor());
        PtxCache.Key key = new PtxCache.Key(source, String.join(" ", options), nvrtc.version(), driver.driverVersion(),
                device.info().name(), device.computeMajor(), device.computeMinor());
        var cached = cache.load(key);
        if (cached.isPresent()) {
            try {
                return load(cached.get());
            } catch (BackendException staleOrCorrupt) {
                // Fall through: compile afresh and overwrite the file.
            }
        }
        byte[] ptx = nvrtc.compile(source, KernelSources.CUDA_ENTRY, options);
        MemorySegment m = load(ptx);
        cache.store(key, ptx);
        return m;
    }

    private MemorySegment load(byte[] ptx) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment image = a.allocate(ptx.length + 1L); // zeroed: the NUL terminator
            MemorySegment.copy(ptx, 0, image, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, ptx.length);
            driver.setCurrent(context);
            return driver.loadModule(image);
        }
    }

    /** Every CUDA device, numbered as the driver does. */
    static List<CudaDevice> listDevices() {
        CudaDriver d = CudaDriver.get();
        int driverVersion = d.driverVersion();
        List<CudaDevice> out = new ArrayList<>();
        for (int i = 0; i < d.deviceCount(); i++) {
            int dev = d.device(i);
            String name = d.deviceName(dev);
            int major = d.attribute(dev, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            int minor = d.attribute(dev, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            int threads = d.attribute(dev, CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
            String description = String.format("%s (CUDA driver %d.%d, sm_%d%d, %.1f GiB)", name, driverVersion / 1000,
                    driverVersion % 1000 / 10, major, minor, d.totalMemory(dev) / (double) (1L << 30));
            out.add(new CudaDevice(new DeviceInfo(i, name, description), i, major, minor, threads));
        }
        return out;
    }

    @Override
    public String device() {
        return device.info().description();
    }

    @Override
    public boolean supportsWorkGroup(long items) {
        return items <= device.maxThreadsPerBlock();
    }

    private record CudaBuffer(long pointer, long bytes) implements DeviceBuffer {}

    @Override
    public DeviceMemory memory() {
        return memory;
    }

    @Override
    public DeviceMemory.Allocator<CudaBuffer> allocator() {
        return allocator;
    }

    private final DeviceMemory.Allocator<CudaBuffer> allocator = new DeviceMemory.Allocator<>() {
        @Override
        public CudaBuffer allocate(long bytes) {
            driver.setCurrent(context);
            return new CudaBuffer(driver.malloc(bytes), bytes);
        }

        @Override
        public void free(CudaBuffer buffer) {
            driver.setCurrent(context);
            driver.free(buffer.pointer());
        }

        @Override
        public boolean isOutOfMemory(RuntimeException failure) {
            return failure instanceof CudaStatus.CudaException e && e.status() == CudaStatus.CUDA_ERROR_OUT_OF_MEMORY;
        }
    };

    @Override
    public GpuQueue createQueue(NativeOwner owner) {
        driver.setCurrent(context);
        MemorySegment stream = driver.createStream();
        owner.own(() -> {
            driver.setCurrent(context);
            driver.destroyStream(stream);
        });
        return new Stream(stream);
    }

    private synchronized MemorySegment function(String name) {
        return functions.computeIfAbsent(name, n -> driver.function(module, n));
    }

    private final class Stream implements GpuQueue {
        private final MemorySegment stream;

        Stream(MemorySegment stream) {
            this.stream = stream;
        }

        @Override
        public void write(DeviceBuffer dst, MemorySegment src, long bytes) {
            // From pageable memory the copy is staged before the call returns, so src may be reused.
            driver.setCurrent(context);
            driver.copyHostToDevice(((CudaBuffer) dst).pointer(), src, bytes, stream);
        }

        @Override
        public void read(DeviceBuffer src, MemorySegment dst, long bytes) {
            driver.setCurrent(context);
            driver.copyDeviceToHost(dst, ((CudaBuffer) src).pointer(), bytes, stream);
            driver.synchronize(stream);
        }

        @Override
        public Launch prepare(String kernel, LaunchGeometry geometry, List<KernelArg> args, NativeOwner owner) {
            MemorySegment f = function(kernel);
            long[] grid = geometry.cudaGrid(kernel);
            long[] block = geometry.cudaBlock();
            // cuLaunchKernel takes void*[]: one pointer per argument, to a slot holding its value.
            Arena arena = Arena.ofShared();
            owner.own(arena::close);
            MemorySegment params = arena.allocate(ADDRESS, Math.max(args.size(), 1));
            for (int i = 0; i < args.size(); i++) {
                MemorySegment slot = switch (args.get(i)) {
                    case KernelArg.Buffer(DeviceBuffer b) -> arena.allocateFrom(JAVA_LONG, ((CudaBuffer) b).pointer());
                    case KernelArg.NoBuffer() -> arena.allocateFrom(JAVA_LONG, 0L);
                    case KernelArg.Int(int v) -> arena.allocateFrom(JAVA_INT, v);
                };
                params.setAtIndex(ADDRESS, i, slot);
            }
            return () -> {
                driver.setCurrent(context);
                driver.launch(f, grid, block, stream, params, kernel);
            };
        }

        @Override
        public void finish() {
            driver.setCurrent(context);
            driver.synchronize(stream);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            driver.setCurrent(context);
            driver.unloadModule(module);
        } finally {
            driver.destroyContext(context);
        }
    }
}
