/*
 * portable.h: one kernel dialect for OpenCL C and CUDA (NVRTC).
 *
 * Every kernel family (conv.cl, pool.cl, ...) is written once against these macros and compiled
 * as OpenCL C (jresnet.cl) or as CUDA C++ (jresnet.cu). That is how the CUDA kernels are checked on
 * machines without a GPU: the same bodies run on POCL in the tests.
 *
 * Conventions: all tensors are NCHW float32; indices are int (every ResNet tensor has < 2^31
 * elements); a kernel guards its own bounds, so the host rounds global sizes up to the local size.
 * Kernels with one plane (image x channel) per row of a 2-D launch step over planes by
 * GLOBAL_SIZE(1): CUDA allows only 65,535 blocks on grid y, and batch x channels passes that at
 * ResNet-50's max pool from batch 1024 (LaunchGeometry.planes caps the rows).
 */
#ifndef JRESNET_PORTABLE_H
#define JRESNET_PORTABLE_H

#if defined(__OPENCL_VERSION__)

#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define GLOBAL_ID(d) ((int) get_global_id(d))
#define LOCAL_ID(d) ((int) get_local_id(d))
#define GROUP_ID(d) ((int) get_group_id(d))
#define LOCAL_SIZE(d) ((int) get_local_size(d))
#define GLOBAL_SIZE(d) ((int) get_global_size(d))
/* Four consecutive floats starting at p[4*i]; p + 4*i must be 16-byte aligned on most devices. */
#define LOAD4(p, i) vload4((i), (p))
#define STORE4(v, p, i) vstore4((v), (i), (p))
#define EXP(x) exp(x)
#define FMAX(a, b) fmax((a), (b))
#define IS_NAN(x) isnan(x)
#define NEG_INF (-INFINITY)
#define DEVICE_FN static inline

#elif defined(__CUDACC__)

#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL __shared__
#define BARRIER() __syncthreads()
#define DEVICE_FN static __device__ __forceinline__
DEVICE_FN int jr_thread(int d) { return d == 0 ? threadIdx.x : d == 1 ? threadIdx.y : threadIdx.z; }
DEVICE_FN int jr_block(int d) { return d == 0 ? blockIdx.x : d == 1 ? blockIdx.y : blockIdx.z; }
DEVICE_FN int jr_block_dim(int d) { return d == 0 ? blockDim.x : d == 1 ? blockDim.y : blockDim.z; }
#define GLOBAL_ID(d) (jr_block(d) * jr_block_dim(d) + jr_thread(d))
#define LOCAL_ID(d) jr_thread(d)
#define GROUP_ID(d) jr_block(d)
#define LOCAL_SIZE(d) jr_block_dim(d)
DEVICE_FN int jr_grid_dim(int d) { return d == 0 ? gridDim.x : d == 1 ? gridDim.y : gridDim.z; }
#define GLOBAL_SIZE(d) (jr_grid_dim(d) * jr_block_dim(d))
#define LOAD4(p, i) (((const float4 *) (p))[(i)])
#define STORE4(v, p, i) (((float4 *) (p))[(i)] = (v))
#define EXP(x) expf(x)
#define FMAX(a, b) fmaxf((a), (b))
#define IS_NAN(x) isnan(x)
#define NEG_INF (-__int_as_float(0x7f800000))

#else
#error "portable.h is compiled as OpenCL C or by NVRTC"
#endif

DEVICE_FN float relu_if(float v, int relu) { return relu && v < 0.0f ? 0.0f : v; }

#endif
