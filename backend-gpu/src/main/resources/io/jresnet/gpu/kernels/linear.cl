/*
 * linear.cl: the fully connected layer y[n,o] = relu?(bias[o] + sum_i x[n,i] * w[o,i]),
 * x read as [N, IN] whatever its rank (the pooled [N, C, 1, 1] buffer is read as [N, C]).
 *
 * Versions:
 *   linear_v1_direct  one work-item per output, a serial dot product over w as given [OUT, IN].
 *   linear_v2_reduce  one 64-item work-group per output feature o, looping over the batch: each
 *                     item sums a strided slice of the dot product with float4 loads, then a tree
 *                     reduction in local memory. Row o of w is read by one work-group only (it stays
 *                     in cache across the batch); at batch 1 this is a GEMV and bandwidth-bound, the
 *                     regime ResNet's FC is in. Prepacked weights: rows padded with zeros to
 *                     INP = IN rounded up to 4, so rows are 16-byte aligned; x is read with float4
 *                     only when IN % 4 == 0 (then its rows are aligned too).
 * Launch: v1 {N*OUT}/{64}; v2 {64*OUT}/{64}.
 */

KERNEL void linear_v1_direct(GLOBAL const float *x, GLOBAL const float *w, GLOBAL const float *bias,
                             GLOBAL float *y, int N, int IN, int OUT, int relu) {
    int i = GLOBAL_ID(0);
    if (i >= N * OUT) return;
    int o = i % OUT;
    int n = i / OUT;
    float acc = bias[o];
    for (int f = 0; f < IN; f++) acc += x[n * IN + f] * w[o * IN + f];
    y[i] = relu_if(acc, relu);
}

#define LINEAR_ITEMS 64

KERNEL void linear_v2_reduce(GLOBAL const float *x, GLOBAL const float *wp, GLOBAL const float *bias,
                             GLOBAL float *y, int N, int IN, int OUT, int relu) {
    LOCAL float partial[LINEAR_ITEMS];
    int o = GROUP_ID(0);
    int lid = LOCAL_ID(0);
    int INP = (IN + 3) / 4 * 4;
    GLOBAL const float *row = wp + o * INP;
    for (int n = 0; n < N; n++) {
        GLOBAL const float *xr = x + n * IN;
        float sum = 0.0f;
        if (o < OUT) {
            if (IN % 4 == 0) {
                for (int f4 = lid; f4 < IN / 4; f4 += LINEAR_ITEMS) {
                    float4 a = LOAD4(xr, f4);
                    float4 b = LOAD4(row, f4);
                    sum += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
                }
            } else {
                for (int f = lid; f < IN; f += LINEAR_ITEMS) sum += xr[f] * row[f];
            }
        }
        partial[lid] = sum;
        BARRIER();
        for (int span = LINEAR_ITEMS / 2; span > 0; span /= 2) {
            if (lid < span) partial[lid] += partial[lid + span];
            BARRIER();
        }
        if (lid == 0 && o < OUT) y[n * OUT + o] = relu_if(partial[0] + bias[o], relu);
        BARRIER(); /* partial[] is reused for the next batch item */
    }
}
