/*
 * jresnet.cu: every kernel family as one CUDA translation unit for NVRTC. The bodies are the
 * OpenCL-checked ones; portable.h maps the dialect (qualifiers, index functions, float4 loads) to
 * CUDA, so nothing here is CUDA-only but the entry point.
 */
#include "portable.h"
#include "conv.cl"
#include "pool.cl"
#include "linear.cl"
#include "softmax.cl"
#include "elementwise.cl"
