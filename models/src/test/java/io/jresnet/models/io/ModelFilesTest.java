package io.jresnet.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.FormatException;
import io.jresnet.models.Zoo;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.nn.ShortcutType;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
    @TempDir
    Path dir;

    private static void assertSameWeights(ResNet expected, ResNet actual) {
        assertEquals(expected.spec(), actual.spec());
        Map<String, Tensor> a = expected.stateDict(), b = actual.stateDict();
        assertEquals(a.keySet(), b.keySet());
        a.forEach((name, t) -> {
            for (int i = 0; i < t.size(); i++) {
                assertEquals(Float.floatToRawIntBits(t.array()[t.offset() + i]),
                        Float.floatToRawIntBits(b.get(name).array()[b.get(name).offset() + i]), name + "[" + i + "]");
            }
        });
    }

    @Test
    void zooModelRoundTripsBitExactly() throws IOException {
        ResNet net = Zoo.build("resnet20", 5);
        net.stateDict().get("bn1.running_mean").fill(0.25f);
        net.stateDict().get("layer1.0.bn1.num_batches_tracked").fill(17);
        Path f = dir.resolve("r20.safetensors");
        ModelFiles.save(net, f);
        assertEquals("resnet20", SafeTensors.read(f).metadata().get(ModelFiles.ARCH));
        assertSameWeights(net, ModelFiles.load(f));
    }

    @Test
    void variantsOutsideTheZooRebuildFromMetadata() throws IOException {
        ResNetSpec variant = ResNetSpec.cifar(20).withClasses(7).withInChannels(1).withShortcut(ShortcutType.B);
        ResNet net = Zoo.build(variant, 9);
        Path f = dir.resolve("v.safetensors");
        ModelFiles.save(net, f);
        assertSameWeights(net, ModelFiles.load(f));

        ResNetSpec custom = new ResNetSpec("tiny", ResNetSpec.Block.BOTTLENECK, new int[] {1, 1}, new int[] {4, 8},
                ResNetSpec.Stem.CIFAR, ShortcutType.C, 2, 3);
        ResNet tiny = Zoo.build(custom, 1);
        ModelFiles.save(tiny, f);
        assertSameWeights(tiny, ModelFiles.load(f));
    }

    @Test
    void filesWithoutMetadataAreMatchedByTheirWeightsOrNamedExplicitly() throws IOException {
        ResNet net = Zoo.build(ResNetSpec.cifar(20).withClasses(4), 3);
        Map<String, Tensor> state = new LinkedHashMap<>(net.stateDict());
        state.keySet().removeIf(k -> k.endsWith("num_batches_tracked")); // as in pre-0.4.1 torch checkpoints
        Path f = dir.resolve("plain.safetensors");
        SafeTensors.write(f, state, Map.of());
        ResNet inferred = ModelFiles.load(f);
        assertEquals(ResNetSpec.cifar(20).withClasses(4), inferred.spec(), "matched by names and shapes");
        ResNet back = ModelFiles.load(f, "resnet20");
        assertEquals(4, back.spec().numClasses());
        assertEquals(net.stateDict().get("fc.weight").toString(), back.stateDict().get("fc.weight").toString());
        state.remove("layer3.2.conv2.weight");
        SafeTensors.write(f, state, Map.of());
        FormatException e = assertThrows(FormatException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().contains("closest: resnet20 (1 tensors differ; first: 'layer3.2.conv2.weight' is missing)")
                && e.getMessage().contains("--arch"), e.getMessage());
    }

    @Test
    void wrongArchitectureNamesTheMissingAndUnexpectedTensors() throws IOException {
        Path f = dir.resolve("r20.safetensors");
        ModelFiles.save(Zoo.build("resnet20", 1), f);
        FormatException e = assertThrows(FormatException.class, () -> ModelFiles.load(f, "resnet32"));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("missing [layer1.3"), e.getMessage());
        FormatException unknown = assertThrows(FormatException.class, () -> ModelFiles.load(f, "resnet7"));
        assertTrue(unknown.getMessage().contains("unknown model 'resnet7'"), unknown.getMessage());
    }

    @Test
    void tensorOfTheWrongShapeNamesTensorExpectedAndFound() throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>(Zoo.build("resnet20", 1).stateDict());
        state.put("layer2.1.conv1.weight", Tensor.zeros(32, 32, 1, 1));
        Path f = dir.resolve("s.safetensors");
        SafeTensors.write(f, state, Map.of(ModelFiles.ARCH, "resnet20"));
        FormatException e = assertThrows(FormatException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().contains("'layer2.1.conv1.weight': expected shape [32, 32, 3, 3], found [32, 32, 1, 1]"),
                e.getMessage());
    }

    @Test
    void lyingMetadataIsCaughtBeforeTheNetworkIsBuilt() throws IOException {
        ResNet net = Zoo.build("resnet20", 1);
        Map<String, String> meta = new LinkedHashMap<>(ModelFiles.metadata(net.spec()));
        meta.put(ModelFiles.STAGE_WIDTHS, "16,32,100000");
        Path f = dir.resolve("lie.safetensors");
        SafeTensors.write(f, net.stateDict(), meta);
        FormatException e = assertThrows(FormatException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().contains("'layer3.0.conv2.weight' should have shape [100000, 100000, 3, 3], found [64, 64, 3, 3]"),
                e.getMessage());
        meta.put(ModelFiles.STAGE_WIDTHS, "16,x");
        SafeTensors.write(f, net.stateDict(), meta);
        e = assertThrows(FormatException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().contains("describes no valid architecture"), e.getMessage());
    }

    @Test
    void timmAndWrappedCheckpointsLoad() throws IOException {
        // timm names ResNet parameters as torchvision does but often omits the BN batch counters;
        // DataParallel prefixes every key with "module.".
        ResNet net = Zoo.build("resnet18", 9);
        Map<String, Tensor> wrapped = new LinkedHashMap<>();
        net.stateDict().forEach((k, v) -> {
            if (!k.endsWith("num_batches_tracked")) wrapped.put("module." + k, v);
        });
        Path file = dir.resolve("timm.safetensors");
        SafeTensors.write(file, wrapped, Map.of());
        ResNet loaded = ModelFiles.load(file, "resnet18");
        for (var e : net.stateDict().entrySet()) {
            if (e.getKey().endsWith("num_batches_tracked")) continue;
            org.junit.jupiter.api.Assertions.assertArrayEquals(e.getValue().toArray(),
                    loaded.stateDict().get(e.getKey()).toArray(), e.getKey());
        }
        // nested wrappers are all removed
        assertTrue(CheckpointNames.normalize(Map.of("model.module.fc.bias", Tensor.zeros(1))).containsKey("fc.bias"));
        // a prefix only some keys carry is a real name and stays
        assertTrue(CheckpointNames.normalize(Map.of("model.x", Tensor.zeros(1), "y", Tensor.zeros(1))).containsKey("model.x"));
    }
}
