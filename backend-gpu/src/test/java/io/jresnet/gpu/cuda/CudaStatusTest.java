package io.jresnet.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.BackendException;
import org.junit.jupiter.api.Test;

class CudaStatusTest {
    @Test
    void driverCodesHaveTheirHeaderNames() {
        assertEquals("CUDA_SUCCESS", CudaStatus.driverName(0));
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", CudaStatus.driverName(2));
        assertEquals("CUDA_ERROR_NO_DEVICE", CudaStatus.driverName(100));
        assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS", CudaStatus.driverName(700));
        assertEquals("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", CudaStatus.driverName(701));
        assertEquals("CUDA_ERROR(12345)", CudaStatus.driverName(12345));
    }

    @Test
    void nvrtcCodesHaveTheirHeaderNames() {
        assertEquals("NVRTC_SUCCESS", CudaStatus.nvrtcName(0));
        assertEquals("NVRTC_ERROR_COMPILATION", CudaStatus.nvrtcName(CudaStatus.NVRTC_ERROR_COMPILATION));
        assertEquals("NVRTC_ERROR(-1)", CudaStatus.nvrtcName(-1));
    }

    @Test
    void checkNamesTheCallAndTheCode() {
        CudaStatus.check(0, "cuInit");
        BackendException e = assertThrows(BackendException.class, () -> CudaStatus.check(222, "cuModuleLoadData"));
        assertTrue(e.getMessage().startsWith("cuModuleLoadData failed: CUDA_ERROR_UNSUPPORTED_PTX_VERSION (222)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("update the driver"), "says what to do: " + e.getMessage());
        e = assertThrows(BackendException.class, () -> CudaStatus.checkNvrtc(6, "nvrtcCompileProgram"));
        assertEquals("nvrtcCompileProgram failed: NVRTC_ERROR_COMPILATION (6)", e.getMessage());
    }

    @Test
    void compileOptionsTargetTheDevicesVirtualArchitecture() {
        assertEquals("--gpu-architecture=compute_90", CudaRuntime.compileOptions(9, 0).getFirst());
        assertEquals("--gpu-architecture=compute_86", CudaRuntime.compileOptions(8, 6).getFirst());
    }
}
