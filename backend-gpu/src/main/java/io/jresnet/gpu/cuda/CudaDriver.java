package io.jresnet.gpu.cuda;

import static io.jresnet.gpu.cuda.CudaStatus.check;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jresnet.BackendException;
import io.jresnet.gpu.NativeSignals;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The CUDA driver API calls jresnet needs, bound through {@code java.lang.foreign} to
 * {@code libcuda.so.1} (installed with the NVIDIA driver; no toolkit needed). Type mapping:
 * {@code CUresult}, {@code CUdevice} and flags are {@code JAVA_INT}; {@code CUdeviceptr} and
 * {@code size_t} {@code JAVA_LONG}; contexts, modules, functions and streams {@code ADDRESS}. The
 * {@code _v2} entry points are the 64-bit ones every driver since CUDA 4 exports.
 */
final class CudaDriver {
    static final String LIBRARY = "libcuda.so.1";
    static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

    private static final Linker LINKER = Linker.nativeLinker();

    private final MethodHandle cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGet, cuDeviceGetName,
            cuDeviceGetAttribute, cuDeviceTotalMem, cuCtxCreate, cuCtxDestroy, cuCtxSetCurrent, cuModuleLoadData,
            cuModuleGetFunction, cuModuleUnload, cuMemAlloc, cuMemFree, cuMemcpyHtoDAsync, cuMemcpyDtoHAsync,
            cuStreamCreate, cuStreamSynchronize, cuStreamDestroy, cuLaunchKernel;

    private CudaDriver(SymbolLookup lib) {
        FunctionDescriptor oneHandle = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        cuInit = bind(lib, "cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        cuDriverGetVersion = bind(lib, "cuDriverGetVersion", oneHandle);
        cuDeviceGetCount = bind(lib, "cuDeviceGetCount", oneHandle);
        cuDeviceGet = bind(lib, "cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDeviceGetName = bind(lib, "cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceGetAttribute = bind(lib, "cuDeviceGetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceTotalMem = bind(lib, "cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuCtxCreate = bind(lib, "cuCtxCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuCtxDestroy = bind(lib, "cuCtxDestroy_v2", oneHandle);
        cuCtxSetCurrent = bind(lib, "cuCtxSetCurrent", oneHandle);
        cuModuleLoadData = bind(lib, "cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuModuleGetFunction = bind(lib, "cuModuleGetFunction",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuModuleUnload = bind(lib, "cuModuleUnload", oneHandle);
        cuMemAlloc = bind(lib, "cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        cuMemFree = bind(lib, "cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        cuMemcpyHtoDAsync = bind(lib, "cuMemcpyHtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        cuMemcpyDtoHAsync = bind(lib, "cuMemcpyDtoHAsync_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuStreamCreate = bind(lib, "cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuStreamSynchronize = bind(lib, "cuStreamSynchronize", oneHandle);
        cuStreamDestroy = bind(lib, "cuStreamDestroy_v2", oneHandle);
        cuLaunchKernel = bind(lib, "cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }

    private static MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lib.find(name).orElseThrow(
                () -> new BackendException(LIBRARY + " has no symbol " + name + " (driver too old?)"));
        return LINKER.downcallHandle(symbol, fd);
    }

    /** Loaded once per process; holds the driver or the sentence saying why there is none. */
    private static final class Holder {
        // Loading the driver and cuInit may install native signal handlers; keep the JVM's.
        static final Object INSTANCE = NativeSignals.preserving("CUDA driver initialisation", Holder::load);

        private static Object load() {
            try {
                CudaDriver d = new CudaDriver(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
                int st = d.init();
                if (st != CudaStatus.CUDA_SUCCESS) {
                    return "no CUDA device: cuInit failed: " + CudaStatus.driverName(st) + " (" + st + ")";
                }
                return d;
            } catch (IllegalArgumentException e) {
                return "no CUDA driver: " + LIBRARY + " not found";
            } catch (BackendException e) {
                return "no CUDA driver: " + e.getMessage();
            }
        }
    }

    static CudaDriver get() {
        if (Holder.INSTANCE instanceof CudaDriver d) return d;
        throw new BackendException((String) Holder.INSTANCE);
    }

    private static BackendException wrap(String call, Throwable t) {
        if (t instanceof BackendException b) return b;
        if (t instanceof Error e) throw e;
        return new BackendException(call + " failed: " + t, t);
    }

    private int init() {
        try {
            return (int) cuInit.invokeExact(0);
        } catch (Throwable t) {
            throw wrap("cuInit", t);
        }
    }

    int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) cuDriverGetVersion.invokeExact(v), "cuDriverGetVersion");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw wrap("cuDriverGetVersion", t);
        }
    }

    int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) cuDeviceGetCount.invokeExact(v), "cuDeviceGetCount");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw wrap("cuDeviceGetCount", t);
        }
    }

    int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) cuDeviceGet.invokeExact(v, ordinal), "cuDeviceGet");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw wrap("cuDeviceGet", t);
        }
    }

    String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(256);
            check((int) cuDeviceGetName.invokeExact(name, 256, device), "cuDeviceGetName");
            return name.getString(0, StandardCharsets.UTF_8).trim();
        } catch (Throwable t) {
            throw wrap("cuDeviceGetName", t);
        }
    }

    int attribute(int device, int attribute) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) cuDeviceGetAttribute.invokeExact(v, attribute, device), "cuDeviceGetAttribute");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw wrap("cuDeviceGetAttribute", t);
        }
    }

    long totalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check((int) cuDeviceTotalMem.invokeExact(v, device), "cuDeviceTotalMem_v2");
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw wrap("cuDeviceTotalMem_v2", t);
        }
    }

    MemorySegment createContext(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ctx = a.allocate(ADDRESS);
            check((int) cuCtxCreate.invokeExact(ctx, 0, device), "cuCtxCreate_v2");
            return ctx.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw wrap("cuCtxCreate_v2", t);
        }
    }

    void destroyContext(MemorySegment ctx) {
        call(cuCtxDestroy, ctx, "cuCtxDestroy_v2");
    }

    /** CUDA contexts are current per thread: every entry point that may run on a new thread calls this first. */
    void setCurrent(MemorySegment ctx) {
        call(cuCtxSetCurrent, ctx, "cuCtxSetCurrent");
    }

    /** Loads a NUL-terminated PTX image; returns the module, or throws naming the status. */
    MemorySegment loadModule(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment module = a.allocate(ADDRESS);
            check((int) cuModuleLoadData.invokeExact(module, image), "cuModuleLoadData");
            return module.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw wrap("cuModuleLoadData", t);
        }
    }

    void unloadModule(MemorySegment module) {
        call(cuModuleUnload, module, "cuModuleUnload");
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(ADDRESS);
            int st = (int) cuModuleGetFunction.invokeExact(f, module, a.allocateFrom(name));
            if (st != CudaStatus.CUDA_SUCCESS) throw CudaStatus.driverFailure("cuModuleGetFunction", st, " for " + name);
            return f.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw wrap("cuModuleGetFunction", t);
        }
    }

    long malloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            int st = (int) cuMemAlloc.invokeExact(p, bytes);
            if (st != CudaStatus.CUDA_SUCCESS) throw CudaStatus.driverFailure("cuMemAlloc_v2", st, " for " + bytes + " bytes");
            return p.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw wrap("cuMemAlloc_v2", t);
        }
    }

    void free(long devicePointer) {
        try {
            check((int) cuMemFree.invokeExact(devicePointer), "cuMemFree_v2");
        } catch (Throwable t) {
            throw wrap("cuMemFree_v2", t);
        }
    }

    void copyHostToDevice(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyHtoDAsync_v2");
        } catch (Throwable t) {
            throw wrap("cuMemcpyHtoDAsync_v2", t);
        }
    }

    void copyDeviceToHost(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoHAsync_v2");
        } catch (Throwable t) {
            throw wrap("cuMemcpyDtoHAsync_v2", t);
        }
    }

    MemorySegment createStream() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(ADDRESS);
            check((int) cuStreamCreate.invokeExact(s, 0), "cuStreamCreate");
            return s.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw wrap("cuStreamCreate", t);
        }
    }

    void synchronize(MemorySegment stream) {
        call(cuStreamSynchronize, stream, "cuStreamSynchronize");
    }

    void destroyStream(MemorySegment stream) {
        call(cuStreamDestroy, stream, "cuStreamDestroy_v2");
    }

    /** {@code grid} and {@code block} are (x, y, z); {@code params} is the {@code void*[]} of argument pointers. */
    void launch(MemorySegment function, long[] grid, long[] block, MemorySegment stream, MemorySegment params,
                String kernel) {
        int st;
        try {
            st = (int) cuLaunchKernel.invokeExact(function, (int) grid[0], (int) grid[1], (int) grid[2], (int) block[0],
                    (int) block[1], (int) block[2], 0, stream, params, MemorySegment.NULL);
        } catch (Throwable t) {
            throw wrap("cuLaunchKernel", t);
        }
        if (st != CudaStatus.CUDA_SUCCESS) throw CudaStatus.driverFailure("cuLaunchKernel", st, " for " + kernel);
    }

    private static void call(MethodHandle h, MemorySegment handle, String name) {
        try {
            check((int) h.invokeExact(handle), name);
        } catch (Throwable t) {
            throw wrap(name, t);
        }
    }
}
