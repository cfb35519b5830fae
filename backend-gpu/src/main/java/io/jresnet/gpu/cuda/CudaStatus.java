package io.jresnet.gpu.cuda;

import io.jresnet.BackendException;
import java.util.Map;

/**
 * CUDA driver ({@code CUresult}) and NVRTC ({@code nvrtcResult}) status codes by name, and the
 * checks every binding goes through. The tables are static so error messages need no driver call
 * (and are testable without one).
 */
public final class CudaStatus {
    public static final int CUDA_SUCCESS = 0;

    private static final Map<Integer, String> DRIVER = Map.ofEntries(
            Map.entry(0, "CUDA_SUCCESS"),
            Map.entry(1, "CUDA_ERROR_INVALID_VALUE"),
            Map.entry(2, "CUDA_ERROR_OUT_OF_MEMORY"),
            Map.entry(3, "CUDA_ERROR_NOT_INITIALIZED"),
            Map.entry(4, "CUDA_ERROR_DEINITIALIZED"),
            Map.entry(34, "CUDA_ERROR_STUB_LIBRARY"),
            Map.entry(46, "CUDA_ERROR_DEVICE_UNAVAILABLE"),
            Map.entry(100, "CUDA_ERROR_NO_DEVICE"),
            Map.entry(101, "CUDA_ERROR_INVALID_DEVICE"),
            Map.entry(102, "CUDA_ERROR_DEVICE_NOT_LICENSED"),
            Map.entry(200, "CUDA_ERROR_INVALID_IMAGE"),
            Map.entry(201, "CUDA_ERROR_INVALID_CONTEXT"),
            Map.entry(209, "CUDA_ERROR_NO_BINARY_FOR_GPU"),
            Map.entry(214, "CUDA_ERROR_ECC_UNCORRECTABLE"),
            Map.entry(218, "CUDA_ERROR_INVALID_PTX"),
            Map.entry(221, "CUDA_ERROR_JIT_COMPILER_NOT_FOUND"),
            Map.entry(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"),
            Map.entry(223, "CUDA_ERROR_JIT_COMPILATION_DISABLED"),
            Map.entry(300, "CUDA_ERROR_INVALID_SOURCE"),
            Map.entry(301, "CUDA_ERROR_FILE_NOT_FOUND"),
            Map.entry(400, "CUDA_ERROR_INVALID_HANDLE"),
            Map.entry(500, "CUDA_ERROR_NOT_FOUND"),
            Map.entry(600, "CUDA_ERROR_NOT_READY"),
            Map.entry(700, "CUDA_ERROR_ILLEGAL_ADDRESS"),
            Map.entry(701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"),
            Map.entry(702, "CUDA_ERROR_LAUNCH_TIMEOUT"),
            Map.entry(709, "CUDA_ERROR_CONTEXT_IS_DESTROYED"),
            Map.entry(716, "CUDA_ERROR_MISALIGNED_ADDRESS"),
            Map.entry(719, "CUDA_ERROR_LAUNCH_FAILED"),
            Map.entry(800, "CUDA_ERROR_NOT_PERMITTED"),
            Map.entry(801, "CUDA_ERROR_NOT_SUPPORTED"),
            Map.entry(803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"),
            Map.entry(804, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE"),
            Map.entry(999, "CUDA_ERROR_UNKNOWN"));

    private static final String[] NVRTC = {
        "NVRTC_SUCCESS", "NVRTC_ERROR_OUT_OF_MEMORY", "NVRTC_ERROR_PROGRAM_CREATION_FAILURE",
        "NVRTC_ERROR_INVALID_INPUT", "NVRTC_ERROR_INVALID_PROGRAM", "NVRTC_ERROR_INVALID_OPTION",
        "NVRTC_ERROR_COMPILATION", "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE",
        "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION", "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION",
        "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID", "NVRTC_ERROR_INTERNAL_ERROR"};

    public static final int NVRTC_ERROR_COMPILATION = 6;

    private CudaStatus() {}

    /** {@code CUDA_ERROR_ILLEGAL_ADDRESS} for 700, {@code CUDA_ERROR(n)} for a code not in the table. */
    public static String driverName(int status) {
        String n = DRIVER.get(status);
        return n != null ? n : "CUDA_ERROR(" + status + ")";
    }

    /** {@code NVRTC_ERROR_COMPILATION} for 6, {@code NVRTC_ERROR(n)} for a code not in the table. */
    public static String nvrtcName(int status) {
        return status >= 0 && status < NVRTC.length ? NVRTC[status] : "NVRTC_ERROR(" + status + ")";
    }

    /** Throws a {@link BackendException} naming the driver call and the code unless it is CUDA_SUCCESS. */
    public static void check(int status, String call) {
        if (status != CUDA_SUCCESS) throw driverFailure(call, status, "");
    }

    /** A failed driver call; {@link #status()} is the raw {@code CUresult}. */
    public static final class CudaException extends BackendException {
        private final int status;

        CudaException(String message, int status) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    public static final int CUDA_ERROR_OUT_OF_MEMORY = 2;

    static CudaException driverFailure(String call, int status, String detail) {
        String hint = switch (status) {
            case 222 -> "; the PTX is newer than this driver understands: update the driver or use an older NVRTC";
            case 34 -> "; libcuda.so.1 is the toolkit's stub, not a driver";
            default -> "";
        };
        return new CudaException(call + " failed: " + driverName(status) + " (" + status + ")" + detail + hint, status);
    }

    static void checkNvrtc(int status, String call) {
        if (status != 0) throw new BackendException(call + " failed: " + nvrtcName(status) + " (" + status + ")");
    }
}
