package io.jresnet.cpu;

import io.jresnet.plan.GraphBuilder;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A small residual network with every op kind a ResNet uses (7x7 stem, max pool, a bottleneck with a
 * projection shortcut, a basic block with identity shortcut, an option-A shortcut, BN folded
 * everywhere, GAP, FC, softmax) against the reference, at batch 1 and 3.
 */
class NetworkWidthTest {
    private long seed = 100;

    private int convBn(GraphBuilder gb, String name, int x, int k, int r, int stride, boolean relu) {
        int c = gb.shape(x).c();
        int pad = r / 2;
        int y = gb.conv(name, x, Tensor.normal(Shape.nchw(k, c, r, r), (float) Math.sqrt(2.0 / (c * r * r)), seed++),
                stride, pad);
        y = gb.batchNorm(name + ".bn", y, Tensor.uniform(Shape.of(k), 0.5f, 1.5f, seed++),
                Tensor.uniform(Shape.of(k), -0.2f, 0.2f, seed++), Tensor.uniform(Shape.of(k), -0.2f, 0.2f, seed++),
                Tensor.uniform(Shape.of(k), 0.5f, 1.5f, seed++), 1e-5f);
        return relu ? gb.relu(name + ".relu", y) : y;
    }

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void smallResidualNetwork(int batch) {
        GraphBuilder gb = new GraphBuilder();
        Shape in = Shape.nchw(batch, 3, 45, 45);
        int x = gb.input(in);
        x = convBn(gb, "stem", x, 24, 7, 2, true);
        x = gb.maxPool("pool", x, 3, 2, 1);
        // Bottleneck, stride 2 on the 3x3 (v1.5), projection shortcut.
        int b = convBn(gb, "b1.conv1", x, 16, 1, 1, true);
        b = convBn(gb, "b1.conv2", b, 16, 3, 2, true);
        b = convBn(gb, "b1.conv3", b, 40, 1, 1, false);
        int sc = convBn(gb, "b1.down", x, 40, 1, 2, false);
        x = gb.relu("b1.relu", gb.add("b1.add", b, sc));
        // Basic block, identity shortcut.
        int a = convBn(gb, "b2.conv1", x, 40, 3, 1, true);
        a = convBn(gb, "b2.conv2", a, 40, 3, 1, false);
        x = gb.relu("b2.relu", gb.add("b2.add", a, x));
        // Basic block with the option-A shortcut (stride 2, channels 40 -> 56 zero padded).
        int c = convBn(gb, "b3.conv1", x, 56, 3, 2, true);
        c = convBn(gb, "b3.conv2", c, 56, 3, 1, false);
        int pad = gb.shortcutPad("b3.pad", x, 2, 56);
        x = gb.relu("b3.relu", gb.add("b3.add", c, pad));
        x = gb.globalAvgPool("gap", x);
        x = gb.flatten("flatten", x);
        x = gb.linear("fc", x, Tensor.normal(Shape.of(10, 56), 0.2f, seed++), Tensor.uniform(Shape.of(10), -0.1f, 0.1f, seed++));
        int y = gb.softmax("softmax", x);
        Compare.againstReference(gb.build(y), Tensor.uniform(in, -1, 1, 7), 2, 1e-5, 1e-3, "network");
    }
}
