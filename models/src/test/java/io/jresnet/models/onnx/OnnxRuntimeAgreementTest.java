package io.jresnet.models.onnx;

import static io.jresnet.models.onnx.OnnxRuntimePeer.assertAgree;
import static io.jresnet.models.onnx.OnnxRuntimePeer.runJresnet;
import static io.jresnet.models.onnx.OnnxRuntimePeer.runOrt;
import static org.junit.jupiter.api.Assertions.assertEquals;


import io.jresnet.backend.CompiledModel;
import io.jresnet.models.Zoo;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.nio.file.Path;
import io.jresnet.plan.Graph;
import io.jresnet.plan.GraphBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ResNets exported by jresnet, run by ONNX Runtime and by jresnet after import, agree; and the
 * imported graph computes what the network itself computes.
 */
class OnnxRuntimeAgreementTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} at {1}x{1}")
    @CsvSource({"resnet18, 64", "resnet50, 64", "wide_resnet50_2, 32", "resnet20, 32", "resnet56, 32",
                "preact_resnet18, 64", "preact_resnet164, 32", "resnext50_32x4d, 32"})
    void exportedResNetAgreesWithOnnxRuntime(String name, int size) throws Exception {
        ResNet net = Zoo.build(name, 7);
        Initializers.randomBatchNormStatistics(net, 11);
        Path file = dir.resolve(name + ".onnx");
        OnnxExporter.write(net, file);

        Shape shape = Shape.nchw(2, 3, size, size);
        Tensor input = Tensor.uniform(shape, -1f, 1f, 3);
        Tensor ort = runOrt(file, input);
        Tensor imported = runJresnet(file, input);
        assertEquals(Shape.of(2, net.spec().numClasses()), ort.shape());
        assertAgree(name + " ORT vs jresnet(imported)", ort, imported);

        // The round trip through ONNX changes nothing but float rounding.
        Tensor direct;
        try (CompiledModel e = new ReferenceBackend().compile(Planner.plan(net.toGraph(shape)))) {
            direct = e.run(input);
        }
        new Tolerance(1e-5, 1e-5).relativeTo(direct).assertClose(direct, imported, name + " imported vs direct");
    }

    /** Graph-level export of the ops a ResNet does not use (affine, fused epilogues, softmax, padding shortcut). */
    @Test
    void exportedGraphOpsAgreeWithOnnxRuntime() throws Exception {
        GraphBuilder g = new GraphBuilder();
        int x = g.input(Shape.nchw(2, 3, 12, 12));
        Tensor scale = Tensor.uniform(Shape.of(3), 0.5f, 1.5f, 1);
        Tensor shift = Tensor.uniform(Shape.of(3), -0.5f, 0.5f, 2);
        int a = g.affine("normalize", x, scale, shift, true);
        int c = g.conv("conv", a, Tensor.normal(Shape.nchw(5, 3, 3, 3), 0.3f, 3), Tensor.uniform(Shape.of(5), -0.1f, 0.1f, 4),
                2, 2, 1, 1, 1, 2);
        // 3 channels placed after one zero channel, one more after them: 5
        int p = g.shortcutPad("shortcut", g.maxPool("pool", a, 3, 3, 2, 2, 1, 1, 1, 2), 1, 5, 1);
        int sum = g.relu("relu", g.add("add", c, p));
        int flat = g.flatten("flatten", g.globalAvgPool("gap", sum));
        int logits = g.softmax("softmax", g.linear("fc", flat, Tensor.normal(Shape.of(4, 5), 0.5f, 5), null));
        Graph graph = g.build(logits);
        Path file = dir.resolve("graph.onnx");
        OnnxExporter.write(graph, file);
        Tensor input = Tensor.uniform(graph.inputShape(), -1f, 1f, 6);
        Tensor direct;
        try (CompiledModel e = new ReferenceBackend().compile(Planner.plan(graph))) {
            direct = e.run(input);
        }
        assertAgree("graph ops ORT vs jresnet(direct)", runOrt(file, input), direct);
        assertAgree("graph ops ORT vs jresnet(imported)", runOrt(file, input), runJresnet(file, input));
    }
}
