/*
 * pool.cl: max pooling and global average pooling over NCHW planes (P = N*C planes).
 *
 *   maxpool:        y[p,oy,ox] = max over the window of x[p, oy*sh-pt+r, ox*sw-pl+s]; padded
 *                   positions never win, and a NaN in the window propagates (as in torch).
 *   global avg:     y[p] = (1 / (H*W)) * sum_{h,w} x[p,h,w]
 *
 * Versions:
 *   maxpool_v1_direct        one work-item per output, bounds checked per window element.
 *   maxpool_v2_clipped       one work-item per output on a 2-D grid (pixel, plane), so no
 *                            division to find the plane; the window is clipped to the image once,
 *                            leaving a branch-free inner loop. Pooling is memory-bound with no
 *                            reuse worth staging in local memory, so that is the whole tuning.
 *   global_avg_pool_v1_direct one work-item per plane, summing it serially.
 *   global_avg_pool_v2_reduce one 64-item work-group per plane: strided partial sums, then a
 *                            tree reduction in local memory (coalesced reads, 64x the parallelism).
 * Launch: maxpool_v1 {P*OH*OW}/{64}; maxpool_v2 {OH*OW, min(P, 65535)}/{64, 1}, rows stepping
 *         over the planes;
 *         global_avg_pool_v1 {P}/{64}; global_avg_pool_v2 {64*P}/{64}.
 */

KERNEL void maxpool_v1_direct(GLOBAL const float *x, GLOBAL float *y, int planes, int H, int W,
                              int KH, int KW, int strideH, int strideW, int padTop, int padLeft,
                              int OH, int OW) {
    int i = GLOBAL_ID(0);
    if (i >= planes * OH * OW) return;
    int ox = i % OW;
    int oy = (i / OW) % OH;
    int p = i / (OW * OH);
    float m = NEG_INF;
    for (int r = 0; r < KH; r++) {
        int iy = oy * strideH - padTop + r;
        if (iy < 0 || iy >= H) continue;
        for (int s = 0; s < KW; s++) {
            int ix = ox * strideW - padLeft + s;
            if (ix < 0 || ix >= W) continue;
            float v = x[(p * H + iy) * W + ix];
            if (v > m || IS_NAN(v)) m = v;
        }
    }
    y[i] = m;
}

KERNEL void maxpool_v2_clipped(GLOBAL const float *x, GLOBAL float *y, int planes, int H, int W,
                               int KH, int KW, int strideH, int strideW, int padTop, int padLeft,
                               int OH, int OW) {
    int pixel = GLOBAL_ID(0);
    if (pixel >= OH * OW) return;
    int oy = pixel / OW;
    int ox = pixel - oy * OW;
    int y0 = oy * strideH - padTop;
    int x0 = ox * strideW - padLeft;
    int yBegin = max(y0, 0), yEnd = min(y0 + KH, H);
    int xBegin = max(x0, 0), xEnd = min(x0 + KW, W);
    for (int p = GLOBAL_ID(1); p < planes; p += GLOBAL_SIZE(1)) {
        GLOBAL const float *plane = x + p * H * W;
        float m = NEG_INF;
        for (int iy = yBegin; iy < yEnd; iy++) {
            for (int ix = xBegin; ix < xEnd; ix++) {
                float v = plane[iy * W + ix];
                if (v > m || IS_NAN(v)) m = v;
            }
        }
        y[p * OH * OW + pixel] = m;
    }
}

KERNEL void global_avg_pool_v1_direct(GLOBAL const float *x, GLOBAL float *y, int planes, int spatial) {
    int p = GLOBAL_ID(0);
    if (p >= planes) return;
    float sum = 0.0f;
    for (int i = 0; i < spatial; i++) sum += x[p * spatial + i];
    y[p] = sum / (float) spatial;
}

#define REDUCE_ITEMS 64

KERNEL void global_avg_pool_v2_reduce(GLOBAL const float *x, GLOBAL float *y, int planes, int spatial) {
    LOCAL float partial[REDUCE_ITEMS];
    int p = GROUP_ID(0);
    int lid = LOCAL_ID(0);
    float sum = 0.0f;
    if (p < planes) {
        for (int i = lid; i < spatial; i += REDUCE_ITEMS) sum += x[p * spatial + i];
    }
    partial[lid] = sum;
    BARRIER();
    for (int span = REDUCE_ITEMS / 2; span > 0; span /= 2) {
        if (lid < span) partial[lid] += partial[lid + span];
        BARRIER();
    }
    if (lid == 0 && p < planes) y[p] = partial[0] / (float) spatial;
}
