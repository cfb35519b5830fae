/* jresnet.cl: every kernel family as one OpenCL C program (see portable.h for the dialect). */
#include "portable.h"
#include "conv.cl"
#include "pool.cl"
#include "linear.cl"
#include "softmax.cl"
#include "elementwise.cl"
