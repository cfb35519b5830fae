package io.jresnet.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.JResnetException;
import io.jresnet.ShapeException;
import io.jresnet.UnsupportedLayerException;
import io.jresnet.nn.Conv2d;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphBuilderTest {
    @Test
    void wrongChannelCountNamesTheLayer() {
        GraphBuilder g = new GraphBuilder();
        int x = g.input(Shape.nchw(1, 3, 8, 8));
        ShapeException e = assertThrows(ShapeException.class,
                () -> g.conv("layer1.0.conv1", x, Tensor.zeros(8, 4, 3, 3), 1, 1));
        assertTrue(e.getMessage().startsWith("layer1.0.conv1:"), e.getMessage());
    }

    @Test
    void dilatedConvolutionsAndGroupsThatDoNotFitAreRejected() {
        GraphBuilder g = new GraphBuilder();
        int x = g.input(Shape.nchw(1, 4, 8, 8));
        // A depthwise weight without its groups: the channel counts disagree.
        assertThrows(ShapeException.class, () -> g.conv("dw", x, Tensor.zeros(4, 1, 3, 3), 1, 1));
        assertThrows(ShapeException.class, () -> g.conv("g3", x, Tensor.zeros(6, 2, 3, 3), null, 3, 1, 1, 1, 1, 1, 1));
        assertThrows(ShapeException.class, () -> g.conv("g2", x, Tensor.zeros(5, 2, 3, 3), null, 2, 1, 1, 1, 1, 1, 1));
        assertEquals(Shape.nchw(1, 8, 8, 8), g.shape(g.conv("dw", x, Tensor.zeros(8, 1, 3, 3), null, 4, 1, 1, 1, 1, 1, 1)));
        assertThrows(UnsupportedLayerException.class, () -> new Conv2d(4, 4, 3, 1, 1, 2, 1, false));
        assertThrows(UnsupportedLayerException.class, () -> new Conv2d(4, 6, 3, 1, 1, 1, 4, false));
    }

    @Test
    void inputTooSmallForTheKernel() {
        GraphBuilder g = new GraphBuilder();
        int x = g.input(Shape.nchw(1, 3, 2, 2));
        assertThrows(ShapeException.class, () -> g.conv("c", x, Tensor.zeros(1, 3, 7, 7), 1, 0));
        assertThrows(ShapeException.class, () -> g.add("a", x, g.globalAvgPool("p", x)));
    }

    @Test
    void wrongInputToANetworkIsAShapeError() {
        ResNet net = new ResNet(ResNetSpec.named("resnet20"));
        assertThrows(ShapeException.class, () -> net.toGraph(Shape.nchw(1, 1, 32, 32)));
    }

    @Test
    void stateDictLoadingChecksNamesAndShapes() {
        ResNet net = new ResNet(ResNetSpec.named("resnet20"));
        Map<String, Tensor> sd = net.stateDict();
        JResnetException missing = assertThrows(JResnetException.class,
                () -> net.loadStateDict(Map.of("conv1.weight", sd.get("conv1.weight")), true));
        assertTrue(missing.getMessage().contains("missing"), missing.getMessage());
        ShapeException shape = assertThrows(ShapeException.class,
                () -> net.loadStateDict(Map.of("fc.weight", Tensor.zeros(3, 3)), false));
        assertTrue(shape.getMessage().contains("fc.weight"), shape.getMessage());
        assertThrows(JResnetException.class, () -> ResNetSpec.named("resnet7"));
    }

    @Test
    void upToEndsTheGraphAtAValue() {
        GraphBuilder b = new GraphBuilder();
        int x = b.input(Shape.nchw(2, 3, 4, 4));
        int r = b.relu("relu", x);
        int pooled = b.flatten("flatten", b.globalAvgPool("gap", r));
        int logits = b.linear("fc", pooled, Tensor.zeros(5, 3), null);
        Graph g = b.build(logits);
        Graph features = g.upTo(pooled);
        assertEquals(Shape.of(2, 3), features.outputShape());
        assertEquals(g.ops().size() - 1, features.ops().size(), "everything but fc");
        assertEquals(0, g.upTo(x).ops().size());
        assertThrows(IllegalArgumentException.class, () -> g.upTo(99));
    }
}
