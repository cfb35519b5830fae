package io.jresnet.gpu.opencl;

import static io.jresnet.gpu.opencl.ClStatus.check;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jresnet.BackendException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The OpenCL 1.2 C API calls jresnet needs, bound through {@code java.lang.foreign} to
 * {@code libOpenCL.so.1} (the ICD loader, which dispatches to whichever platforms are installed).
 * Type mapping: {@code cl_int}/{@code cl_uint} are {@code JAVA_INT}; {@code size_t} and the 64-bit
 * bitfields ({@code cl_device_type}, {@code cl_mem_flags}, queue properties) {@code JAVA_LONG};
 * handles and pointers {@code ADDRESS}. Each wrapper checks the status and throws a
 * {@link io.jresnet.BackendException} naming the call and the code.
 */
final class OpenCl {
    static final String LIBRARY = "libOpenCL.so.1";

    static final int CL_PLATFORM_VERSION = 0x0901;
    static final int CL_PLATFORM_NAME = 0x0902;
    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    static final int CL_DEVICE_NAME = 0x102B;
    static final int CL_DEVICE_VERSION = 0x102F;
    static final long CL_MEM_READ_WRITE = 1;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    static final int CL_TRUE = 1;

    private static final Linker LINKER = Linker.nativeLinker();

    private final MethodHandle clGetPlatformIDs, clGetPlatformInfo, clGetDeviceIDs, clGetDeviceInfo;
    private final MethodHandle clCreateContext, clCreateCommandQueue, clCreateBuffer;
    private final MethodHandle clEnqueueWriteBuffer, clEnqueueReadBuffer;
    private final MethodHandle clCreateProgramWithSource, clBuildProgram, clGetProgramBuildInfo;
    private final MethodHandle clCreateKernel, clSetKernelArg, clEnqueueNDRangeKernel, clFinish;
    private final MethodHandle clReleaseMemObject, clReleaseKernel, clReleaseProgram, clReleaseCommandQueue,
            clReleaseContext;

    private OpenCl(SymbolLookup lib) {
        FunctionDescriptor info = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        FunctionDescriptor release = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        FunctionDescriptor transfer = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        clGetPlatformIDs = bind(lib, "clGetPlatformIDs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        clGetPlatformInfo = bind(lib, "clGetPlatformInfo", info);
        clGetDeviceIDs = bind(lib, "clGetDeviceIDs",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        clGetDeviceInfo = bind(lib, "clGetDeviceInfo", info);
        clCreateContext = bind(lib, "clCreateContext",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        clCreateCommandQueue = bind(lib, "clCreateCommandQueue",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
        clCreateBuffer = bind(lib, "clCreateBuffer",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
        clEnqueueWriteBuffer = bind(lib, "clEnqueueWriteBuffer", transfer);
        clEnqueueReadBuffer = bind(lib, "clEnqueueReadBuffer", transfer);
        clCreateProgramWithSource = bind(lib, "clCreateProgramWithSource",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        clBuildProgram = bind(lib, "clBuildProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        clGetProgramBuildInfo = bind(lib, "clGetProgramBuildInfo",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        clCreateKernel = bind(lib, "clCreateKernel", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        clSetKernelArg = bind(lib, "clSetKernelArg",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
        clEnqueueNDRangeKernel = bind(lib, "clEnqueueNDRangeKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        clFinish = bind(lib, "clFinish", release);
        clReleaseMemObject = bind(lib, "clReleaseMemObject", release);
        clReleaseKernel = bind(lib, "clReleaseKernel", release);
        clReleaseProgram = bind(lib, "clReleaseProgram", release);
        clReleaseCommandQueue = bind(lib, "clReleaseCommandQueue", release);
        clReleaseContext = bind(lib, "clReleaseContext", release);
    }

    private static MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lib.find(name).orElseThrow(
                () -> new BackendException(LIBRARY + " has no symbol " + name + " (an OpenCL 1.2 loader is needed)"));
        return LINKER.downcallHandle(symbol, fd);
    }

    /** The process-wide binding, loaded on first use; the library stays loaded for the process's life. */
    private static final class Holder {
        static final Object INSTANCE = load();

        private static Object load() {
            try {
                return new OpenCl(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
            } catch (IllegalArgumentException e) {
                return "no OpenCL platform: " + LIBRARY + " not found";
            } catch (BackendException e) {
                return "no OpenCL platform: " + e.getMessage();
            }
        }
    }

    /** The binding, or a {@link BackendException} saying why there is none. */
    static OpenCl get() {
        if (Holder.INSTANCE instanceof OpenCl cl) return cl;
        throw new BackendException((String) Holder.INSTANCE);
    }

    static BackendException wrap(String call, Throwable t) {
        if (t instanceof BackendException b) return b;
        if (t instanceof Error e) throw e;
        return new BackendException(call + " failed: " + t, t);
    }

    // ---- platforms and devices ----

    MemorySegment[] platforms(Arena a) {
        try {
            MemorySegment count = a.allocate(JAVA_INT);
            int st = (int) clGetPlatformIDs.invokeExact(0, MemorySegment.NULL, count);
            if (st == ClStatus.CL_PLATFORM_NOT_FOUND_KHR) return new MemorySegment[0];
            check(st, "clGetPlatformIDs");
            int n = count.get(JAVA_INT, 0);
            if (n == 0) return new MemorySegment[0];
            MemorySegment ids = a.allocate(ADDRESS, n);
            check((int) clGetPlatformIDs.invokeExact(n, ids, MemorySegment.NULL), "clGetPlatformIDs");
            return elements(ids, n);
        } catch (Throwable t) {
            throw wrap("clGetPlatformIDs", t);
        }
    }

    MemorySegment[] devices(Arena a, MemorySegment platform) {
        try {
            MemorySegment count = a.allocate(JAVA_INT);
            int st = (int) clGetDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
            if (st == -1) return new MemorySegment[0]; // CL_DEVICE_NOT_FOUND
            check(st, "clGetDeviceIDs");
            int n = count.get(JAVA_INT, 0);
            MemorySegment ids = a.allocate(ADDRESS, Math.max(n, 1));
            check((int) clGetDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, n, ids, MemorySegment.NULL),
                    "clGetDeviceIDs");
            return elements(ids, n);
        } catch (Throwable t) {
            throw wrap("clGetDeviceIDs", t);
        }
    }

    private static MemorySegment[] elements(MemorySegment array, int n) {
        MemorySegment[] out = new MemorySegment[n];
        for (int i = 0; i < n; i++) out[i] = array.getAtIndex(ADDRESS, i);
        return out;
    }

    String platformString(MemorySegment platform, int param) {
        return infoString(clGetPlatformInfo, "clGetPlatformInfo", platform, param);
    }

    String deviceString(MemorySegment device, int param) {
        return infoString(clGetDeviceInfo, "clGetDeviceInfo", device, param);
    }

    long deviceLong(MemorySegment device, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check((int) clGetDeviceInfo.invokeExact(device, param, 8L, v, MemorySegment.NULL), "clGetDeviceInfo");
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw wrap("clGetDeviceInfo", t);
        }
    }

    private static String infoString(MethodHandle h, String call, MemorySegment object, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) h.invokeExact(object, param, 0L, MemorySegment.NULL, size), call);
            long n = size.get(JAVA_LONG, 0);
            MemorySegment v = a.allocate(Math.max(n, 1));
            check((int) h.invokeExact(object, param, n, v, MemorySegment.NULL), call);
            return v.getString(0, StandardCharsets.UTF_8).trim();
        } catch (Throwable t) {
            throw wrap(call, t);
        }
    }

    // ---- context, queue, memory ----

    MemorySegment createContext(MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devs = a.allocateFrom(ADDRESS, device);
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment ctx = (MemorySegment) clCreateContext.invokeExact(MemorySegment.NULL, 1, devs,
                    MemorySegment.NULL, MemorySegment.NULL, err);
            check(err.get(JAVA_INT, 0), "clCreateContext");
            return ctx;
        } catch (Throwable t) {
            throw wrap("clCreateContext", t);
        }
    }

    MemorySegment createCommandQueue(MemorySegment context, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment q = (MemorySegment) clCreateCommandQueue.invokeExact(context, device, 0L, err);
            check(err.get(JAVA_INT, 0), "clCreateCommandQueue");
            return q;
        } catch (Throwable t) {
            throw wrap("clCreateCommandQueue", t);
        }
    }

    MemorySegment createBuffer(MemorySegment context, long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment mem = (MemorySegment) clCreateBuffer.invokeExact(context, CL_MEM_READ_WRITE, bytes,
                    MemorySegment.NULL, err);
            int st = err.get(JAVA_INT, 0);
            if (st != ClStatus.CL_SUCCESS) throw ClStatus.failure("clCreateBuffer", st, " allocating " + bytes + " bytes");
            return mem;
        } catch (Throwable t) {
            throw wrap("clCreateBuffer", t);
        }
    }

    void enqueueWrite(MemorySegment queue, MemorySegment mem, long bytes, MemorySegment host) {
        try {
            check((int) clEnqueueWriteBuffer.invokeExact(queue, mem, CL_TRUE, 0L, bytes, host, 0, MemorySegment.NULL,
                    MemorySegment.NULL), "clEnqueueWriteBuffer");
        } catch (Throwable t) {
            throw wrap("clEnqueueWriteBuffer", t);
        }
    }

    void enqueueRead(MemorySegment queue, MemorySegment mem, long bytes, MemorySegment host) {
        try {
            check((int) clEnqueueReadBuffer.invokeExact(queue, mem, CL_TRUE, 0L, bytes, host, 0, MemorySegment.NULL,
                    MemorySegment.NULL), "clEnqueueReadBuffer");
        } catch (Throwable t) {
            throw wrap("clEnqueueReadBuffer", t);
        }
    }

    void finish(MemorySegment queue) {
        try {
            check((int) clFinish.invokeExact(queue), "clFinish");
        } catch (Throwable t) {
            throw wrap("clFinish", t);
        }
    }

    // ---- programs and kernels ----

    /** Builds {@code source} for {@code device}; on failure the exception carries the build log. */
    MemorySegment buildProgram(MemorySegment context, MemorySegment device, String source, String options) {
        MemorySegment program;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocateFrom(source, StandardCharsets.UTF_8);
            MemorySegment strings = a.allocateFrom(ADDRESS, text);
            MemorySegment err = a.allocate(JAVA_INT);
            program = (MemorySegment) clCreateProgramWithSource.invokeExact(context, 1, strings, MemorySegment.NULL, err);
            check(err.get(JAVA_INT, 0), "clCreateProgramWithSource");
            MemorySegment devs = a.allocateFrom(ADDRESS, device);
            int st = (int) clBuildProgram.invokeExact(program, 1, devs, a.allocateFrom(options),
                    MemorySegment.NULL, MemorySegment.NULL);
            if (st != ClStatus.CL_SUCCESS) {
                String log = buildLog(program, device);
                release(clReleaseProgram, program);
                throw ClStatus.failure("clBuildProgram", st, "; build log:\n" + log);
            }
            return program;
        } catch (Throwable t) {
            throw wrap("clBuildProgram", t);
        }
    }

    private String buildLog(MemorySegment program, MemorySegment device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(JAVA_LONG);
            check((int) clGetProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, 0L,
                    MemorySegment.NULL, size), "clGetProgramBuildInfo");
            long n = size.get(JAVA_LONG, 0);
            MemorySegment log = a.allocate(Math.max(n, 1));
            check((int) clGetProgramBuildInfo.invokeExact(program, device, CL_PROGRAM_BUILD_LOG, n, log,
                    MemorySegment.NULL), "clGetProgramBuildInfo");
            return log.getString(0, StandardCharsets.UTF_8).strip();
        } catch (Throwable t) {
            return "(no build log: " + t.getMessage() + ")";
        }
    }

    MemorySegment createKernel(MemorySegment program, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = a.allocate(JAVA_INT);
            MemorySegment k = (MemorySegment) clCreateKernel.invokeExact(program, a.allocateFrom(name), err);
            int st = err.get(JAVA_INT, 0);
            if (st != ClStatus.CL_SUCCESS) throw ClStatus.failure("clCreateKernel", st, " for kernel " + name);
            return k;
        } catch (Throwable t) {
            throw wrap("clCreateKernel", t);
        }
    }

    /** {@code clSetKernelArg(kernel, index, size, value)}: value points at the argument (a handle or an int). */
    void setKernelArg(MemorySegment kernel, int index, long size, MemorySegment value, String kernelName) {
        try {
            int st = (int) clSetKernelArg.invokeExact(kernel, index, size, value);
            if (st != ClStatus.CL_SUCCESS) {
                throw ClStatus.failure("clSetKernelArg", st, " for argument " + index + " of " + kernelName);
            }
        } catch (Throwable t) {
            throw wrap("clSetKernelArg", t);
        }
    }

    /** Enqueues without waiting; {@code global} and {@code local} hold {@code dims} size_t values. */
    void enqueueNDRange(MemorySegment queue, MemorySegment kernel, int dims, MemorySegment global,
                        MemorySegment local, String kernelName) {
        int st;
        try {
            st = (int) clEnqueueNDRangeKernel.invokeExact(queue, kernel, dims, MemorySegment.NULL, global, local, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw wrap("clEnqueueNDRangeKernel", t);
        }
        if (st != ClStatus.CL_SUCCESS) throw ClStatus.failure("clEnqueueNDRangeKernel", st, " for kernel " + kernelName);
    }

    // ---- release ----

    void releaseMemObject(MemorySegment m) { release(clReleaseMemObject, m, "clReleaseMemObject"); }
    void releaseKernel(MemorySegment k) { release(clReleaseKernel, k, "clReleaseKernel"); }
    void releaseProgram(MemorySegment p) { release(clReleaseProgram, p, "clReleaseProgram"); }
    void releaseCommandQueue(MemorySegment q) { release(clReleaseCommandQueue, q, "clReleaseCommandQueue"); }
    void releaseContext(MemorySegment c) { release(clReleaseContext, c, "clReleaseContext"); }

    private static void release(MethodHandle h, MemorySegment handle) {
        release(h, handle, "clRelease");
    }

    private static void release(MethodHandle h, MemorySegment handle, String call) {
        try {
            check((int) h.invokeExact(handle), call);
        } catch (Throwable t) {
            throw wrap(call, t);
        }
    }
}
