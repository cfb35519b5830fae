/*
 * conv.cl: 2-D convolution (dilation 1) with the fused epilogue
 *     y[n,k,oy,ox] = relu?(bias[k] + residual?[n,k,oy,ox]
 *                          + sum_{c<C/G,r,s} x[n, g*C/G + c, oy*sh-pt+r, ox*sw-pl+s] * w[k,c,r,s])
 * where g = k / (K/G) is output channel k's group (G = 1: a dense convolution) and out-of-range
 * input positions read as zero. bias is the folded batch norm's shift;
 * residual is the block's shortcut, so the conv that ends a residual block also does the add.
 *
 * Versions:
 *   conv2d_v1_direct        one work-item per output element, loops over (c, r, s) of its group;
 *                           weights in OIHW as given. The obvious twin that v2 is checked against,
 *                           and the kernel of grouped convolutions (a ResNeXt's 3x3 layers, 4 to 32
 *                           channels per group: a 64-channel GEMM tile would be mostly padding).
 *   (v2 is dense only.)
 *   conv2d_v2_implicit_gemm the conv as a GEMM Y[K, P] = W[K, Q] * X[Q, P] with P = N*OH*OW pixels
 *                           and Q = C*R*S, the im2col matrix X never stored: each 16x16 work-group
 *                           computes a 64x64 tile of Y; each work-item a 4x4 register block
 *                           (channels ty+16i, pixels tx+16j). Per step of 16 along Q, the work-group
 *                           stages a 16x64 tile of W (one float4 load per item from the prepacked
 *                           weights) and gathers a 16x64 tile of X into local memory.
 *                           Prepacked weights: wp[q * KP + k] = w[k, q], zero for k >= K or q >= Q,
 *                           KP = K rounded up to 64, Q rounded up to 16, so the W tile needs no
 *                           bounds checks and every float4 is 16-byte aligned.
 * Launch: v1 global = {N*K*OH*OW} (rounded up), local {64}.
 *         v2 global = {ceil(P/64)*16, ceil(K/64)*16}, local {16, 16}.
 */

KERNEL void conv2d_v1_direct(GLOBAL const float *x, GLOBAL const float *w, GLOBAL const float *bias,
                             GLOBAL const float *res, GLOBAL float *y,
                             int N, int C, int H, int W, int K, int R, int S, int G,
                             int strideH, int strideW, int padTop, int padLeft, int OH, int OW,
                             int hasResidual, int relu) {
    int i = GLOBAL_ID(0);
    if (i >= N * K * OH * OW) return;
    int ox = i % OW;
    int oy = (i / OW) % OH;
    int k = (i / (OW * OH)) % K;
    int n = i / (OW * OH * K);
    int CG = C / G;
    int c0 = k / (K / G) * CG;
    float acc = bias[k];
    for (int c = 0; c < CG; c++) {
        for (int r = 0; r < R; r++) {
            int iy = oy * strideH - padTop + r;
            if (iy < 0 || iy >= H) continue;
            for (int s = 0; s < S; s++) {
                int ix = ox * strideW - padLeft + s;
                if (ix < 0 || ix >= W) continue;
                acc += x[((n * C + c0 + c) * H + iy) * W + ix] * w[((k * CG + c) * R + r) * S + s];
            }
        }
    }
    if (hasResidual) acc += res[i];
    y[i] = relu_if(acc, relu);
}

#define CONV_TILE_K 64   /* output channels per work-group */
#define CONV_TILE_P 64   /* output pixels per work-group */
#define CONV_TILE_Q 16   /* reduction step */

KERNEL void conv2d_v2_implicit_gemm(GLOBAL const float *x, GLOBAL const float *wp, GLOBAL const float *bias,
                                    GLOBAL const float *res, GLOBAL float *y,
                                    int N, int C, int H, int W, int K, int R, int S,
                                    int strideH, int strideW, int padTop, int padLeft, int OH, int OW,
                                    int hasResidual, int relu) {
    LOCAL float wTile[CONV_TILE_Q][CONV_TILE_K];
    LOCAL float xTile[CONV_TILE_Q][CONV_TILE_P];

    int tx = LOCAL_ID(0);
    int ty = LOCAL_ID(1);
    int t = ty * 16 + tx;
    int p0 = GROUP_ID(0) * CONV_TILE_P;
    int k0 = GROUP_ID(1) * CONV_TILE_K;
    int OHW = OH * OW;
    int P = N * OHW;
    int RS = R * S;
    int Q = C * RS;
    int KP = (K + CONV_TILE_K - 1) / CONV_TILE_K * CONV_TILE_K;

    /* The X column this item gathers: pixel p0 + t % 64, rows t / 64 + 4j of each Q step. */
    int gatherCol = t % CONV_TILE_P;
    int gatherRow = t / CONV_TILE_P;
    int pix = p0 + gatherCol;
    int pixValid = pix < P;
    int pn = pixValid ? pix / OHW : 0;
    int prem = pix - pn * OHW;
    int iy0 = (prem / OW) * strideH - padTop;
    int ix0 = (prem % OW) * strideW - padLeft;
    GLOBAL const float *xImage = x + pn * C * H * W;

    /* The W tile row and float4 this item loads. */
    int wRow = t / (CONV_TILE_K / 4);
    int wCol4 = t % (CONV_TILE_K / 4);

    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;

    for (int q0 = 0; q0 < Q; q0 += CONV_TILE_Q) {
        float4 wv = LOAD4(wp + (q0 + wRow) * KP + k0, wCol4);
        wTile[wRow][4 * wCol4 + 0] = wv.x;
        wTile[wRow][4 * wCol4 + 1] = wv.y;
        wTile[wRow][4 * wCol4 + 2] = wv.z;
        wTile[wRow][4 * wCol4 + 3] = wv.w;
        for (int j = 0; j < 4; j++) {
            int row = gatherRow + 4 * j;
            int q = q0 + row;
            float v = 0.0f;
            if (pixValid && q < Q) {
                int c = q / RS;
                int rs = q - c * RS;
                int r = rs / S;
                int iy = iy0 + r;
                int ix = ix0 + rs - r * S;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) v = xImage[(c * H + iy) * W + ix];
            }
            xTile[row][gatherCol] = v;
        }
        BARRIER();
        for (int q = 0; q < CONV_TILE_Q; q++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) a[i] = wTile[q][ty + 16 * i];
            for (int j = 0; j < 4; j++) b[j] = xTile[q][tx + 16 * j];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        BARRIER();
    }

    for (int j = 0; j < 4; j++) {
        int p = p0 + tx + 16 * j;
        if (p >= P) continue;
        int n = p / OHW;
        int rem = p - n * OHW;
        for (int i = 0; i < 4; i++) {
            int k = k0 + ty + 16 * i;
            if (k >= K) continue;
            int out = (n * K + k) * OHW + rem;
            float v = acc[i][j] + bias[k];
            if (hasResidual) v += res[out];
            y[out] = relu_if(v, relu);
        }
    }
}
