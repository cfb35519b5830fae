package io.jresnet.gpu.cuda;

import static io.jresnet.gpu.cuda.CudaStatus.checkNvrtc;
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
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * NVRTC, CUDA's runtime compiler, bound through {@code java.lang.foreign}: CUDA C++ source to PTX,
 * which the driver then JIT-compiles for the exact GPU. {@code nvrtcResult} is {@code JAVA_INT},
 * {@code nvrtcProgram} an {@code ADDRESS}, sizes {@code JAVA_LONG}.
 */
final class Nvrtc {
    private static final Linker LINKER = Linker.nativeLinker();

    private final Path library;
    private final MethodHandle nvrtcVersion, nvrtcCreateProgram, nvrtcCompileProgram, nvrtcGetPTXSize, nvrtcGetPTX,
            nvrtcGetProgramLogSize, nvrtcGetProgramLog, nvrtcDestroyProgram;

    /** Loads NVRTC from {@code library}; the library stays loaded for the process's life. */
    Nvrtc(Path library) {
        this.library = library;
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new BackendException("cannot load " + library + ": " + e.getMessage(), e);
        }
        FunctionDescriptor sizeOf = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        nvrtcVersion = bind(lib, "nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcCreateProgram = bind(lib, "nvrtcCreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        nvrtcCompileProgram = bind(lib, "nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        nvrtcGetPTXSize = bind(lib, "nvrtcGetPTXSize", sizeOf);
        nvrtcGetPTX = bind(lib, "nvrtcGetPTX", sizeOf);
        nvrtcGetProgramLogSize = bind(lib, "nvrtcGetProgramLogSize", sizeOf);
        nvrtcGetProgramLog = bind(lib, "nvrtcGetProgramLog", sizeOf);
        nvrtcDestroyProgram = bind(lib, "nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private MethodHandle bind(SymbolLookup lib, String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(
                () -> new BackendException(library + " has no symbol " + name + " (not NVRTC?)")), fd);
    }

    private static BackendException wrap(String call, Throwable t) {
        if (t instanceof BackendException b) return b;
        if (t instanceof Error e) throw e;
        return new BackendException(call + " failed: " + t, t);
    }

    Path library() {
        return library;
    }

    /** "12.8" */
    String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(JAVA_INT), minor = a.allocate(JAVA_INT);
            checkNvrtc((int) nvrtcVersion.invokeExact(major, minor), "nvrtcVersion");
            return major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw wrap("nvrtcVersion", t);
        }
    }

    /** Compiles {@code source} to PTX (without the trailing NUL); on failure the exception carries the log. */
    byte[] compile(String source, String name, List<String> options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment programRef = a.allocate(ADDRESS);
            checkNvrtc((int) nvrtcCreateProgram.invokeExact(programRef, a.allocateFrom(source, StandardCharsets.UTF_8),
                    a.allocateFrom(name), 0, MemorySegment.NULL, MemorySegment.NULL), "nvrtcCreateProgram");
            MemorySegment program = programRef.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, Math.max(options.size(), 1));
                for (int i = 0; i < options.size(); i++) opts.setAtIndex(ADDRESS, i, a.allocateFrom(options.get(i)));
                int st = (int) nvrtcCompileProgram.invokeExact(program, options.size(), opts);
                if (st != 0) {
                    throw new BackendException("nvrtcCompileProgram failed: " + CudaStatus.nvrtcName(st) + " (" + st
                            + ") compiling " + name + " with " + options + "; program log:\n" + log(a, program));
                }
                MemorySegment size = a.allocate(JAVA_LONG);
                checkNvrtc((int) nvrtcGetPTXSize.invokeExact(program, size), "nvrtcGetPTXSize");
                MemorySegment ptx = a.allocate(size.get(JAVA_LONG, 0));
                checkNvrtc((int) nvrtcGetPTX.invokeExact(program, ptx), "nvrtcGetPTX");
                byte[] bytes = ptx.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                int end = bytes.length;
                while (end > 0 && bytes[end - 1] == 0) end--;
                return Arrays.copyOf(bytes, end);
            } finally {
                int ignored = (int) nvrtcDestroyProgram.invokeExact(programRef);
            }
        } catch (Throwable t) {
            throw wrap("nvrtcCompileProgram", t);
        }
    }

    private String log(Arena a, MemorySegment program) {
        try {
            MemorySegment size = a.allocate(JAVA_LONG);
            checkNvrtc((int) nvrtcGetProgramLogSize.invokeExact(program, size), "nvrtcGetProgramLogSize");
            MemorySegment log = a.allocate(Math.max(size.get(JAVA_LONG, 0), 1));
            checkNvrtc((int) nvrtcGetProgramLog.invokeExact(program, log), "nvrtcGetProgramLog");
            return log.getString(0, StandardCharsets.UTF_8).strip();
        } catch (Throwable t) {
            return "(no program log: " + t.getMessage() + ")";
        }
    }
}
