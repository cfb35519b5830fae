/*
 * elementwise.cl: the small ops around the convolutions.
 *   add:          y = relu?(a + b)                                  (an unfused residual add)
 *   affine:       y[n,c,i] = relu?(x[n,c,i] * scale[c] + shift[c])  (a batch norm that could not fold)
 *   shortcut_pad: y[n,k,oy,ox] = 0 <= k-B < C ? x[n,k-B,oy*stride,ox*stride] : 0
 *                 (the option-A shortcut: subsample and zero-pad, B channels before the input's)
 *
 * Versions:
 *   add_v1_direct           one work-item per element.
 *   add_v2_float4           one work-item per 4 elements with float4 loads and stores; the host
 *                           uses it when count % 4 == 0 (buffers start 16-byte aligned).
 *   affine_v1_direct        one work-item per element; the channel found by division.
 *   affine_v2_planes        a 2-D grid (element in plane, plane): scale and shift are per item
 *                           constants, no division.
 *   shortcut_pad_v1_direct  one work-item per output element.
 *   shortcut_pad_v2_planes  a 2-D grid (pixel, output plane); padded planes are written without
 *                           reading anything.
 * Launch: add_v1 {count}/{64}; add_v2 {count/4}/{64}; affine_v1 {N*C*spatial}/{64};
 *         affine_v2 {spatial, min(N*C, 65535)}/{64, 1}; shortcut_pad_v1 {N*K*OH*OW}/{64};
 *         shortcut_pad_v2 {OH*OW, min(N*K, 65535)}/{64, 1}; the v2 rows step over the planes.
 */

KERNEL void add_v1_direct(GLOBAL const float *a, GLOBAL const float *b, GLOBAL float *y, int count, int relu) {
    int i = GLOBAL_ID(0);
    if (i < count) y[i] = relu_if(a[i] + b[i], relu);
}

KERNEL void add_v2_float4(GLOBAL const float *a, GLOBAL const float *b, GLOBAL float *y, int count, int relu) {
    int i = GLOBAL_ID(0);
    if (4 * i >= count) return;
    float4 u = LOAD4(a, i);
    float4 v = LOAD4(b, i);
    float4 s;
    s.x = relu_if(u.x + v.x, relu);
    s.y = relu_if(u.y + v.y, relu);
    s.z = relu_if(u.z + v.z, relu);
    s.w = relu_if(u.w + v.w, relu);
    STORE4(s, y, i);
}

KERNEL void affine_v1_direct(GLOBAL const float *x, GLOBAL const float *scale, GLOBAL const float *shift,
                             GLOBAL float *y, int N, int C, int spatial, int relu) {
    int i = GLOBAL_ID(0);
    if (i >= N * C * spatial) return;
    int c = (i / spatial) % C;
    y[i] = relu_if(x[i] * scale[c] + shift[c], relu);
}

KERNEL void affine_v2_planes(GLOBAL const float *x, GLOBAL const float *scale, GLOBAL const float *shift,
                             GLOBAL float *y, int N, int C, int spatial, int relu) {
    int i = GLOBAL_ID(0);
    if (i >= spatial) return;
    for (int plane = GLOBAL_ID(1); plane < N * C; plane += GLOBAL_SIZE(1)) {
        int c = plane % C;
        int at = plane * spatial + i;
        y[at] = relu_if(x[at] * scale[c] + shift[c], relu);
    }
}

KERNEL void shortcut_pad_v1_direct(GLOBAL const float *x, GLOBAL float *y, int N, int C, int H, int W,
                                   int stride, int K, int B, int OH, int OW) {
    int i = GLOBAL_ID(0);
    if (i >= N * K * OH * OW) return;
    int ox = i % OW;
    int oy = (i / OW) % OH;
    int c = (i / (OW * OH)) % K - B;
    int n = i / (OW * OH * K);
    y[i] = c >= 0 && c < C ? x[((n * C + c) * H + oy * stride) * W + ox * stride] : 0.0f;
}

KERNEL void shortcut_pad_v2_planes(GLOBAL const float *x, GLOBAL float *y, int N, int C, int H, int W,
                                   int stride, int K, int B, int OH, int OW) {
    int pixel = GLOBAL_ID(0);
    if (pixel >= OH * OW) return;
    int oy = pixel / OW;
    int ox = pixel - oy * OW;
    for (int plane = GLOBAL_ID(1); plane < N * K; plane += GLOBAL_SIZE(1)) {
        int c = plane % K - B;
        int n = plane / K;
        float v = 0.0f;
        if (c >= 0 && c < C) v = x[((n * C + c) * H + oy * stride) * W + ox * stride];
        y[plane * OH * OW + pixel] = v;
    }
}
