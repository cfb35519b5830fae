package io.jresnet.cpu;

import io.jresnet.plan.GraphBuilder;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Convolutions against the reference on odd shapes. Runs three times (surefire executions): with the
 * preferred species, a forced 128-bit species and the scalar path.
 */
class ConvWidthTest {
    static final double ATOL = 1e-4, RTOL = 1e-4;

    static Stream<Arguments> shapes() {
        // batch, in channels, out channels, spatial, kernel, stride, pad
        return Stream.of(
                Arguments.of(1, 3, 17, 13, 7, 2, 3),
                Arguments.of(3, 3, 64, 13, 7, 2, 3),
                Arguments.of(1, 17, 17, 13, 3, 1, 1),
                Arguments.of(3, 17, 64, 7, 3, 1, 1),
                Arguments.of(1, 64, 64, 56, 3, 1, 1),
                Arguments.of(1, 64, 17, 13, 3, 2, 1),
                Arguments.of(3, 17, 3, 7, 3, 2, 1),
                Arguments.of(1, 64, 64, 1, 3, 1, 1),
                Arguments.of(3, 17, 64, 1, 1, 1, 0),
                Arguments.of(1, 64, 17, 13, 1, 1, 0),
                Arguments.of(3, 64, 64, 7, 1, 2, 0),
                Arguments.of(1, 3, 3, 56, 1, 2, 0),
                Arguments.of(1, 17, 3, 7, 1, 1, 0),
                // a layer whose last panel is a short tail (the 4-row tile): 49 pixels = 4 x 12 + 1
                // at 512 bits, 8 x 6 + 1 at 256; 40 outputs end in a half-padded column tile
                Arguments.of(1, 40, 40, 7, 3, 1, 1),
                Arguments.of(2, 24, 40, 5, 1, 1, 0),
                // 16 outputs: one channel block at 16 lanes (the one-block tile)
                Arguments.of(1, 16, 16, 32, 3, 1, 1),
                Arguments.of(3, 16, 16, 9, 3, 2, 1),
                // stride-1 1x1 read in place; with batch 3 the 12-pixel panels cross images
                Arguments.of(3, 32, 16, 13, 1, 1, 0),
                Arguments.of(2, 48, 40, 5, 1, 1, 0),
                // staged inputs (one partial channel block): a CIFAR stem, whose 16-depth
                // segments span two or three kernel rows, and an odd 5x5
                Arguments.of(2, 3, 16, 9, 3, 1, 1),
                Arguments.of(1, 5, 20, 11, 5, 1, 2));
    }

    @ParameterizedTest(name = "n{0} c{1} k{2} hw{3} {4}x{4} s{5} p{6}")
    @MethodSource("shapes")
    void convWithBias(int n, int c, int k, int hw, int r, int stride, int pad) {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(n, c, hw, hw));
        Tensor w = Tensor.normal(Shape.nchw(k, c, r, r), (float) Math.sqrt(2.0 / (c * r * r)), 11);
        Tensor b = Tensor.uniform(Shape.of(k), -0.5f, 0.5f, 12);
        int y = gb.conv("conv", x, w, b, stride, stride, pad, pad, pad, pad);
        Tensor input = Tensor.uniform(Shape.nchw(n, c, hw, hw), -1, 1, 13);
        Compare.againstReference(gb.build(y), input, 2, ATOL, RTOL, "conv");
    }

    /** conv -> add(shortcut) -> relu fuses into one conv with a residual epilogue; the shortcut is a conv too. */
    @ParameterizedTest(name = "n{0} c{1} k{2} hw{3} {4}x{4} s{5} p{6} +res +relu")
    @MethodSource("shapes")
    void convWithResidualAndRelu(int n, int c, int k, int hw, int r, int stride, int pad) {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(n, c, hw, hw));
        Tensor w = Tensor.normal(Shape.nchw(k, c, r, r), (float) Math.sqrt(2.0 / (c * r * r)), 21);
        int main = gb.conv("main", x, w, Tensor.uniform(Shape.of(k), -0.5f, 0.5f, 22), stride, stride, pad, pad, pad, pad);
        Shape out = gb.shape(main);
        // A shortcut of the same output shape: 1x1 conv with the stride that reproduces out's size.
        int sc = gb.conv("shortcut", x, Tensor.normal(Shape.nchw(k, c, 1, 1), 0.5f, 23), null, 1, 1, 0, 0, 0, 0);
        if (!gb.shape(sc).equals(out)) sc = gb.maxPool("fit", sc, r, stride, pad);
        int sum = gb.add("add", main, sc);
        int y = gb.relu("relu", sum);
        Tensor input = Tensor.uniform(Shape.nchw(n, c, hw, hw), -1, 1, 24);
        Compare.againstReference(gb.build(y), input, 2, ATOL, RTOL, "conv+res+relu");
    }

    @ParameterizedTest(name = "threads {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 3})
    void threadCountsGiveTheSameResult(int threads) {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(2, 17, 13, 13));
        int y = gb.conv("conv", x, Tensor.normal(Shape.nchw(33, 17, 3, 3), 0.1f, 31), null, 2, 2, 1, 1, 1, 1);
        y = gb.relu("relu", y);
        Compare.againstReference(gb.build(y), Tensor.uniform(Shape.nchw(2, 17, 13, 13), -1, 1, 32), threads, ATOL,
                RTOL, "threads " + threads);
    }

    /**
     * A stem-like convolution over 3 channels reads the network input in plain order, but one that
     * reads a 3-channel value an earlier convolution wrote (blocked) stages it from the blocked
     * layout: both paths, batch 2.
     */
    @org.junit.jupiter.api.Test
    void stagedConvolutionOverABlockedValue() {
        GraphBuilder gb = new GraphBuilder();
        int x = gb.input(Shape.nchw(2, 3, 15, 15));
        int a = gb.conv("plain-in", x, Tensor.normal(Shape.nchw(3, 3, 3, 3), 0.4f, 41), null, 1, 1, 1, 1, 1, 1);
        int b = gb.conv("blocked-in", a, Tensor.normal(Shape.nchw(24, 3, 7, 7), 0.1f, 42),
                Tensor.uniform(Shape.of(24), -0.5f, 0.5f, 43), 2, 2, 3, 3, 3, 3);
        Compare.againstReference(gb.build(gb.relu("relu", b)), Tensor.uniform(Shape.nchw(2, 3, 15, 15), -1, 1, 44), 2,
                ATOL, RTOL, "stem chain");
    }
}
