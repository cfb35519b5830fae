/*
 * softmax.cl: row-wise softmax over [N, K]:
 *     y[n,i] = exp(x[n,i] - m) / sum_j exp(x[n,j] - m),  m = max_j x[n,j]
 * (shifting by the row maximum keeps exp from overflowing; the result is unchanged).
 *
 * Versions:
 *   softmax_v1_direct  one work-item per row: three serial passes (max, sum, write).
 *   softmax_v2_reduce  one 64-item work-group per row: the max and the sum are each a strided pass
 *                      plus a tree reduction in local memory; the write pass is parallel too.
 * Launch: v1 {N}/{64}; v2 {64*N}/{64}.
 */

KERNEL void softmax_v1_direct(GLOBAL const float *x, GLOBAL float *y, int N, int K) {
    int n = GLOBAL_ID(0);
    if (n >= N) return;
    GLOBAL const float *row = x + n * K;
    float m = NEG_INF;
    for (int i = 0; i < K; i++) m = FMAX(m, row[i]);
    float sum = 0.0f;
    for (int i = 0; i < K; i++) sum += EXP(row[i] - m);
    for (int i = 0; i < K; i++) y[n * K + i] = EXP(row[i] - m) / sum;
}

#define SOFTMAX_ITEMS 64

KERNEL void softmax_v2_reduce(GLOBAL const float *x, GLOBAL float *y, int N, int K) {
    LOCAL float partial[SOFTMAX_ITEMS];
    int n = GROUP_ID(0);
    int lid = LOCAL_ID(0);
    int valid = n < N;
    GLOBAL const float *row = x + (valid ? n : 0) * K;

    float m = NEG_INF;
    if (valid) for (int i = lid; i < K; i += SOFTMAX_ITEMS) m = FMAX(m, row[i]);
    partial[lid] = m;
    BARRIER();
    for (int span = SOFTMAX_ITEMS / 2; span > 0; span /= 2) {
        if (lid < span) partial[lid] = FMAX(partial[lid], partial[lid + span]);
        BARRIER();
    }
    m = partial[0];
    BARRIER();

    float sum = 0.0f;
    if (valid) for (int i = lid; i < K; i += SOFTMAX_ITEMS) sum += EXP(row[i] - m);
    partial[lid] = sum;
    BARRIER();
    for (int span = SOFTMAX_ITEMS / 2; span > 0; span /= 2) {
        if (lid < span) partial[lid] += partial[lid + span];
        BARRIER();
    }
    sum = partial[0];

    if (valid) for (int i = lid; i < K; i += SOFTMAX_ITEMS) y[n * K + i] = EXP(row[i] - m) / sum;
}
