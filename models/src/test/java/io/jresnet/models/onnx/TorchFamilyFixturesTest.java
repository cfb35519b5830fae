package io.jresnet.models.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.models.io.Npy;
import io.jresnet.models.io.PyTorchCheckpoint;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.nn.ShortcutType;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Narrow members of the families the zoo adds (ResNeXt, wide, pre-activation), written by PyTorch
 * itself ({@code make_pth_fixtures.py}: torchvision's Bottleneck, {@code torch.save},
 * {@code torch.onnx.export}): the {@code .pth} state dict loaded into jresnet's network of the same
 * architecture gives PyTorch's logits; the exported ONNX file gives them in jresnet and in ONNX
 * Runtime.
 */
class TorchFamilyFixturesTest {
    /** The jresnet architecture of each fixture (stage planes 8/16/32/64 or 8/16/32, 10 classes). */
    private static ResNetSpec spec(String name) {
        int[] imagenetPlanes = {8, 16, 32, 64};
        return switch (name) {
            case "resnext-narrow" -> new ResNetSpec(name, ResNetSpec.Block.BOTTLENECK, new int[] {1, 1, 1, 1},
                    imagenetPlanes, ResNetSpec.Stem.IMAGENET, ShortcutType.B, 3, 10, 32, false, 4);
            case "wide-narrow" -> new ResNetSpec(name, ResNetSpec.Block.BOTTLENECK, new int[] {1, 1, 1, 1},
                    imagenetPlanes, ResNetSpec.Stem.IMAGENET, ShortcutType.B, 3, 10, 128);
            case "preact-narrow" -> new ResNetSpec(name, ResNetSpec.Block.BOTTLENECK, new int[] {1, 1, 1},
                    new int[] {8, 16, 32}, ResNetSpec.Stem.CIFAR, ShortcutType.B, 3, 10, 64, true);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static Path fixture(String file) {
        try {
            return Path.of(TorchFamilyFixturesTest.class.getResource("/io/jresnet/models/io/pth/" + file).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("fixture " + file + " is missing", e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnext-narrow", "wide-narrow", "preact-narrow"})
    void theStateDictSavedByTorchGivesTorchsLogits(String name) throws Exception {
        ResNet net = new ResNet(spec(name));
        java.util.Map<String, Tensor> state = PyTorchCheckpoint.read(fixture(name + ".pth"));
        net.train(false);
        List<String> loaded = net.loadStateDict(state, true); // strict: every name and shape as torch saved them
        assertEquals(state.size(), loaded.size(), name);
        Tensor x = Npy.read(fixture(name + "-input.npy"));
        Tensor expected = Npy.read(fixture(name + "-logits.npy"));
        try (ReferenceBackend ref = new ReferenceBackend(); CompiledModel m = ref.compile(net.plan(x.shape()));
             Session s = m.newSession()) {
            new Tolerance(1e-4, 1e-4).relativeTo(expected).assertClose(expected, s.run(x), name + ".pth vs PyTorch");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnext-narrow", "wide-narrow", "preact-narrow"})
    void theGraphExportedByTorchGivesTorchsLogitsInJresnetAndOnnxRuntime(String name) throws Exception {
        Path file = fixture(name + ".onnx");
        Tensor x = Npy.read(fixture(name + "-input.npy"));
        Tensor expected = Npy.read(fixture(name + "-logits.npy"));
        OnnxRuntimePeer.assertAgree(name + ".onnx: PyTorch vs jresnet", expected, OnnxRuntimePeer.runJresnet(file, x));
        OnnxRuntimePeer.assertAgree(name + ".onnx: PyTorch vs ONNX Runtime", expected, OnnxRuntimePeer.runOrt(file, x));
    }
}
