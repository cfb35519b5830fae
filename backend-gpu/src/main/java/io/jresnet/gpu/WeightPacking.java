package io.jresnet.gpu;

import io.jresnet.tensor.Tensor;

/** Host-side repacking of weights into the layouts the tuned kernels read (done once, at compile time). */
public final class WeightPacking {
    /** Work-group tile of conv2d_v2_implicit_gemm along output channels and along the reduction. */
    public static final int CONV_TILE_K = 64;
    public static final int CONV_TILE_Q = 16;

    private WeightPacking() {}

    /**
     * OIHW {@code [K, C, R, S]} viewed as {@code W[K, Q]} ({@code Q = C*R*S}) to its transpose, padded:
     * {@code wp[q * KP + k] = W[k, q]}, zero where {@code k >= K} or {@code q >= Q}, with {@code KP} =
     * K rounded up to 64 and Q rounded up to 16 rows. The implicit-GEMM kernel then loads whole
     * float4s of 4 output channels without bounds checks.
     */
    public static float[] convImplicitGemm(Tensor weight) {
        int k = weight.shape().dim(0);
        int q = weight.size() / Math.max(k, 1);
        int kp = (int) LaunchGeometry.roundUp(k, CONV_TILE_K);
        int qp = (int) LaunchGeometry.roundUp(q, CONV_TILE_Q);
        float[] w = weight.array();
        int off = weight.offset();
        float[] packed = new float[Math.multiplyExact(qp, kp)];
        for (int o = 0; o < k; o++) {
            for (int j = 0; j < q; j++) packed[j * kp + o] = w[off + o * q + j];
        }
        return packed;
    }

    /** {@code [OUT, IN]} with each row padded with zeros to IN rounded up to 4 (16-byte aligned rows). */
    public static float[] linearRows(Tensor weight) {
        int out = weight.shape().dim(0);
        int in = weight.shape().dim(1);
        int inp = (int) LaunchGeometry.roundUp(in, 4);
        float[] packed = new float[Math.multiplyExact(out, inp)];
        for (int o = 0; o < out; o++) System.arraycopy(weight.array(), weight.offset() + o * in, packed, o * inp, in);
        return packed;
    }
}
