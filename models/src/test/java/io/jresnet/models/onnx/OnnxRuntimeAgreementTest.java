package io.jresnet.models.onnx;

import static io.jresnet.models.onnx.OnnxRuntimePeer.assertAgree;
import static io.jresnet.models.onnx.OnnxRuntimePeer.runJresnet;
import static io.jresnet.models.onnx.OnnxRuntimePeer.runOrt;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jresnet.backend.Executable;
import io.jresnet.models.Zoo;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.nio.file.Path;
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
    @CsvSource({"resnet18, 64", "resnet50, 64", "resnet20, 32", "resnet56, 32"})
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
        try (Executable e = new ReferenceBackend().compile(Planner.plan(net.toGraph(shape)))) {
            direct = e.run(input);
        }
        new Tolerance(1e-5, 1e-5).relativeTo(direct).assertClose(direct, imported, name + " imported vs direct");
    }
}
