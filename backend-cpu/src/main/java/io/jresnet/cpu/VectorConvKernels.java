package io.jresnet.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution on the Vector API (version 1): register tile of 6 output pixels x 2 output
 * channel blocks = 12 vector accumulators (fits the 16 registers of AVX2 with the 2 weight vectors
 * and one broadcast; on AVX-512 and NEON it leaves registers spare).
 *
 * <p>Per input channel {@code ci} the tile does {@code acc[j][b] += x[pixel j, ci] * W[ci, block b]}:
 * 2 vector loads of packed weights, 6 scalar broadcasts, 12 FMAs. The sweep is input block, then
 * kernel row and column, then the channels of the block; at each window position every pixel of the
 * tile gets its own input offset, pointing at {@code zero} (a block of zeros after the buffer's data)
 * when the position falls in the padding, so border tiles run the same code as interior ones. Pixel
 * tiles are taken over the flattened output plane (a tile may span rows), and the last tile is
 * shifted back to end at the plane's end (recomputing a few pixels, written twice with the same
 * value) so no tile is partial. The epilogue adds bias (the accumulators start at it), the residual
 * and ReLU before the single store.
 */
final class VectorConvKernels {
    private static final VectorSpecies<Float> F = CpuSpecies.FLOAT;
    private static final int T = ConvPlan.TILE_PIXELS;

    private VectorConvKernels() {}

    static void conv(ConvPlan p, float[] x, float[] y, float[] res, int zero, int from, int to) {
        final int L = F.length();
        final Blocked in = p.in, out = p.out;
        final int P = out.spatial(), OW = out.w(), H = in.h(), W = in.w();
        final int R = p.kernelH, S = p.kernelW, sh = p.strideH, sw = p.strideW, pt = p.padTop, pl = p.padLeft;
        final int inBlocks = in.blocks(), C = in.c(), outBlocks = out.blocks();
        final int panel = L * 2 * L; // floats of packed weight per window position and input block
        final float[] wt = p.weights;
        for (int item = from; item < to; item++) {
            int tile = p.tileOf(item), g = p.groupOf(item), n = p.imageOf(item);
            int q0 = Math.max(0, Math.min(tile * T, P - T));
            int q1 = Math.min(q0 + 1, P - 1), q2 = Math.min(q0 + 2, P - 1), q3 = Math.min(q0 + 3, P - 1);
            int q4 = Math.min(q0 + 4, P - 1), q5 = Math.min(q0 + 5, P - 1);
            // Top-left input position of each pixel's window.
            int y0 = q0 / OW * sh - pt, x0 = q0 % OW * sw - pl;
            int y1 = q1 / OW * sh - pt, x1 = q1 % OW * sw - pl;
            int y2 = q2 / OW * sh - pt, x2 = q2 % OW * sw - pl;
            int y3 = q3 / OW * sh - pt, x3 = q3 % OW * sw - pl;
            int y4 = q4 / OW * sh - pt, x4 = q4 % OW * sw - pl;
            int y5 = q5 / OW * sh - pt, x5 = q5 % OW * sw - pl;
            boolean interior = inside(y0, x0, H - R, W - S) && inside(y1, x1, H - R, W - S)
                    && inside(y2, x2, H - R, W - S) && inside(y3, x3, H - R, W - S)
                    && inside(y4, x4, H - R, W - S) && inside(y5, x5, H - R, W - S);
            int kb = g * ConvPlan.TILE_BLOCKS;
            FloatVector b0 = FloatVector.fromArray(F, p.bias, kb * L);
            FloatVector b1 = FloatVector.fromArray(F, p.bias, kb * L + L);
            FloatVector a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1;
            FloatVector a30 = b0, a31 = b1, a40 = b0, a41 = b1, a50 = b0, a51 = b1;
            int xImage = n * in.imageStride();
            for (int cb = 0; cb < inBlocks; cb++) {
                int cn = Math.min(L, C - cb * L);
                int xb = xImage + cb * in.blockStride();
                int wb = (g * inBlocks + cb) * R * S * panel;
                for (int r = 0; r < R; r++) {
                    for (int s = 0; s < S; s++) {
                        int o0, o1, o2, o3, o4, o5;
                        if (interior) {
                            int d = xb + (r * W + s) * L;
                            o0 = d + (y0 * W + x0) * L;
                            o1 = d + (y1 * W + x1) * L;
                            o2 = d + (y2 * W + x2) * L;
                            o3 = d + (y3 * W + x3) * L;
                            o4 = d + (y4 * W + x4) * L;
                            o5 = d + (y5 * W + x5) * L;
                        } else {
                            o0 = offset(xb, y0 + r, x0 + s, H, W, L, zero);
                            o1 = offset(xb, y1 + r, x1 + s, H, W, L, zero);
                            o2 = offset(xb, y2 + r, x2 + s, H, W, L, zero);
                            o3 = offset(xb, y3 + r, x3 + s, H, W, L, zero);
                            o4 = offset(xb, y4 + r, x4 + s, H, W, L, zero);
                            o5 = offset(xb, y5 + r, x5 + s, H, W, L, zero);
                        }
                        int wrs = wb + (r * S + s) * panel;
                        if (cn == L) {
                            // A whole block: the constant trip count lets C2 unroll the loop completely.
                            for (int ci = 0; ci < L; ci++) {
                                int wi = wrs + ci * 2 * L;
                                FloatVector w0 = FloatVector.fromArray(F, wt, wi);
                                FloatVector w1 = FloatVector.fromArray(F, wt, wi + L);
                                FloatVector v = FloatVector.broadcast(F, x[o0 + ci]);
                                a00 = v.fma(w0, a00);
                                a01 = v.fma(w1, a01);
                                v = FloatVector.broadcast(F, x[o1 + ci]);
                                a10 = v.fma(w0, a10);
                                a11 = v.fma(w1, a11);
                                v = FloatVector.broadcast(F, x[o2 + ci]);
                                a20 = v.fma(w0, a20);
                                a21 = v.fma(w1, a21);
                                v = FloatVector.broadcast(F, x[o3 + ci]);
                                a30 = v.fma(w0, a30);
                                a31 = v.fma(w1, a31);
                                v = FloatVector.broadcast(F, x[o4 + ci]);
                                a40 = v.fma(w0, a40);
                                a41 = v.fma(w1, a41);
                                v = FloatVector.broadcast(F, x[o5 + ci]);
                                a50 = v.fma(w0, a50);
                                a51 = v.fma(w1, a51);
                            }
                        } else {
                            for (int ci = 0; ci < cn; ci++) {
                                int wi = wrs + ci * 2 * L;
                                FloatVector w0 = FloatVector.fromArray(F, wt, wi);
                                FloatVector w1 = FloatVector.fromArray(F, wt, wi + L);
                                FloatVector v = FloatVector.broadcast(F, x[o0 + ci]);
                                a00 = v.fma(w0, a00);
                                a01 = v.fma(w1, a01);
                                v = FloatVector.broadcast(F, x[o1 + ci]);
                                a10 = v.fma(w0, a10);
                                a11 = v.fma(w1, a11);
                                v = FloatVector.broadcast(F, x[o2 + ci]);
                                a20 = v.fma(w0, a20);
                                a21 = v.fma(w1, a21);
                                v = FloatVector.broadcast(F, x[o3 + ci]);
                                a30 = v.fma(w0, a30);
                                a31 = v.fma(w1, a31);
                                v = FloatVector.broadcast(F, x[o4 + ci]);
                                a40 = v.fma(w0, a40);
                                a41 = v.fma(w1, a41);
                                v = FloatVector.broadcast(F, x[o5 + ci]);
                                a50 = v.fma(w0, a50);
                                a51 = v.fma(w1, a51);
                            }
                        }
                    }
                }
            }
            // Epilogue: residual, ReLU, one store per accumulator.
            boolean second = kb + 1 < outBlocks;
            int y0Base = n * out.imageStride() + kb * out.blockStride();
            int y1Base = y0Base + out.blockStride();
            store(y, res, y0Base + q0 * L, a00, p.relu);
            store(y, res, y0Base + q1 * L, a10, p.relu);
            store(y, res, y0Base + q2 * L, a20, p.relu);
            store(y, res, y0Base + q3 * L, a30, p.relu);
            store(y, res, y0Base + q4 * L, a40, p.relu);
            store(y, res, y0Base + q5 * L, a50, p.relu);
            if (second) {
                store(y, res, y1Base + q0 * L, a01, p.relu);
                store(y, res, y1Base + q1 * L, a11, p.relu);
                store(y, res, y1Base + q2 * L, a21, p.relu);
                store(y, res, y1Base + q3 * L, a31, p.relu);
                store(y, res, y1Base + q4 * L, a41, p.relu);
                store(y, res, y1Base + q5 * L, a51, p.relu);
            }
        }
    }

    private static boolean inside(int iy, int ix, int maxY, int maxX) {
        return iy >= 0 && iy <= maxY && ix >= 0 && ix <= maxX;
    }

    private static int offset(int xb, int iy, int ix, int h, int w, int lanes, int zero) {
        return iy >= 0 && iy < h && ix >= 0 && ix < w ? xb + (iy * w + ix) * lanes : zero;
    }

    private static void store(float[] y, float[] res, int at, FloatVector acc, boolean relu) {
        if (res != null) acc = acc.add(FloatVector.fromArray(F, res, at));
        if (relu) acc = acc.max(0f);
        acc.intoArray(y, at);
    }
}
