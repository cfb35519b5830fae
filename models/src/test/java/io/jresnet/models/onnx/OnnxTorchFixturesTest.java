package io.jresnet.models.onnx;

import static io.jresnet.models.onnx.OnnxRuntimePeer.assertAgree;
import static io.jresnet.models.onnx.OnnxRuntimePeer.runJresnet;
import static io.jresnet.models.onnx.OnnxRuntimePeer.runOrt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.UnsupportedLayerException;
import io.jresnet.models.Classifier;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.models.onnx.proto.OnnxProto.AttributeProto;
import io.jresnet.models.onnx.proto.OnnxProto.ModelProto;
import io.jresnet.models.onnx.proto.OnnxProto.NodeProto;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ONNX files written by the real {@code torch.onnx.export} (see
 * {@code models/src/test/python/make_onnx_fixtures.py}), each run in jresnet and in ONNX Runtime.
 */
class OnnxTorchFixturesTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(OnnxTorchFixturesTest.class.getResource("torch/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("fixture " + name + " is missing", e);
        }
    }

    /**
     * The ONNX model zoo's classic files (resnet*-v1-7) are opset 7: batch norm with its spatial
     * attribute, initializers listed as graph inputs. A torchvision-layout net exported that way.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny-opset7.onnx", "tiny-opset8.onnx"})
    void zooStyleOldOpsetFilesAgreeWithOnnxRuntime(String name) throws Exception {
        Path file = fixture(name);
        Tensor x = Tensor.uniform(Shape.nchw(1, 3, 64, 64), -1, 1, 11);
        assertAgree(name, runOrt(file, x), runJresnet(file, x));
        OnnxModel model = OnnxImporter.load(file);
        assertEquals(3, model.imageChannels());
        assertEquals(64, model.imageSize());
    }

    /**
     * The CIFAR ResNet most people train in PyTorch pads option-A shortcuts with zero channels on both
     * sides; its pads come out of a ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast chain, folded
     * at import, and run as a shortcut with zero channels before the input's.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cifar8-both-sides-opset11.onnx", "cifar8-both-sides-opset13.onnx"})
    void optionAWithZeroChannelsOnBothSidesAgreesWithOnnxRuntime(String name) throws Exception {
        Path file = fixture(name);
        for (int batch : new int[] {1, 3}) {
            Tensor x = Tensor.uniform(Shape.nchw(batch, 3, 32, 32), -1, 1, 12 + batch);
            assertAgree(name + " batch " + batch, runOrt(file, x), runJresnet(file, x));
        }
        long before = OnnxImporter.load(file).toGraph(Shape.nchw(1, 3, 32, 32)).ops().stream()
                .filter(o -> o instanceof io.jresnet.plan.Op.ShortcutPad p && p.channelsBefore() > 0).count();
        assertEquals(2, before, "both stage transitions pad before the input's channels");
    }

    /**
     * The heads other exporters and hand-written models give the same network: view(N, -1) as a shape
     * chain, ReduceMean, AveragePool over the whole map, MatMul + Add, Gemm with transB=0, a Softmax
     * at the end; batch named "batch_size".
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"head-view.onnx", "head-reducemean.onnx", "head-avgpool.onnx", "head-matmul.onnx",
                            "head-gemm-transb0.onnx", "head-softmax.onnx"})
    void everyHeadSpellingAgreesWithOnnxRuntime(String name) throws Exception {
        Path file = fixture(name);
        for (int batch : new int[] {1, 3}) {
            Tensor x = Tensor.uniform(Shape.nchw(batch, 3, 64, 64), -1, 1, 20 + batch);
            assertAgree(name + " batch " + batch, runOrt(file, x), runJresnet(file, x));
        }
    }

    /**
     * A model that ends in its own softmax gives probabilities; the classifier reports them as they
     * are instead of taking a second softmax (which flattened them).
     */
    @Test
    void aClassifierTakesAFinalSoftmaxsProbabilitiesAsTheyAre() throws Exception {
        Path file = fixture("head-softmax.onnx");
        OnnxModel model = OnnxImporter.load(file);
        Tensor x = Tensor.uniform(Shape.nchw(2, 3, 64, 64), -1, 1, 31);
        Tensor ort = runOrt(file, x);
        try (Classifier c = new Classifier(model::toGraph,
                Preprocessing.IMAGENET_V1, List.of(),
                new ReferenceBackend(), true)) {
            List<List<Classifier.Prediction>> top = c.classifyPreprocessed(x, 3);
            for (int n = 0; n < 2; n++) {
                for (Classifier.Prediction p : top.get(n)) {
                    assertEquals(ort.get(n, p.index()), p.probability(), 1e-5, "image " + n + " class " + p.index());
                }
            }
        }
    }

    /** Older exporters write the residual addition as Sum (opsets 6 to 8 have it with any number of inputs). */
    @Test
    void sumAsTheResidualAdditionAgreesWithOnnxRuntime() throws Exception {
        ModelProto.Builder b = ModelProto.parseFrom(Files.readAllBytes(fixture("tiny-opset7.onnx"))).toBuilder();
        int renamed = 0;
        for (NodeProto.Builder n : b.getGraphBuilder().getNodeBuilderList()) {
            if (n.getOpType().equals("Add")) {
                n.setOpType("Sum");
                renamed++;
            }
        }
        assertEquals(4, renamed, "one residual addition per block");
        Path file = Files.write(dir.resolve("sum.onnx"), b.build().toByteArray());
        Tensor x = Tensor.uniform(Shape.nchw(1, 3, 64, 64), -1, 1, 13);
        assertAgree("Sum", runOrt(file, x), runJresnet(file, x));
    }

    @Test
    void perActivationBatchNormIsRefusedByName() throws Exception {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(fixture("tiny-opset7.onnx")));
        ModelProto.Builder b = m.toBuilder();
        for (NodeProto.Builder n : b.getGraphBuilder().getNodeBuilderList()) {
            if (!n.getOpType().equals("BatchNormalization")) continue;
            for (AttributeProto.Builder a : n.getAttributeBuilderList()) if (a.getName().equals("spatial")) a.setI(0);
            break;
        }
        Path file = Files.write(dir.resolve("spatial0.onnx"), b.build().toByteArray());
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
                () -> OnnxImporter.load(file).toGraph(Shape.nchw(1, 3, 64, 64)));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("spatial=0"), e.getMessage());
    }

    @Test
    void opsetsBeforeSevenAreRefusedNamingTheRange() throws Exception {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(fixture("tiny-opset7.onnx")));
        ModelProto.Builder b = m.toBuilder();
        b.getOpsetImportBuilder(0).setVersion(6);
        Path file = Files.write(dir.resolve("opset6.onnx"), b.build().toByteArray());
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class, () -> OnnxImporter.load(file));
        assertTrue(e.getMessage().contains("opset 6 is not supported") && e.getMessage().contains("opsets 7 to 21"),
                e.getMessage());
    }
}
