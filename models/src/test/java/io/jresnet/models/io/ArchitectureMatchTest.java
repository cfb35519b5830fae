package io.jresnet.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.FormatException;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ArchitectureMatchTest {
    static final Path FILE = Path.of("weights.pth");

    static List<String> zoo() {
        return List.copyOf(ResNetSpec.zoo().keySet());
    }

    /** The shapes computed from the spec are the network's own, name for name and in order. */
    @ParameterizedTest
    @MethodSource("zoo")
    void expectedShapesAreTheNetworksStateDict(String name) {
        ResNetSpec spec = ResNetSpec.named(name);
        Map<String, int[]> expected = ArchitectureMatch.expectedShapes(spec);
        Map<String, Tensor> actual = new ResNet(spec).stateDict();
        assertEquals(List.copyOf(actual.keySet()), List.copyOf(expected.keySet()), name);
        actual.forEach((k, t) -> assertArrayEquals(t.shape().dims(), expected.get(k), name + " " + k));
    }

    /**
     * Every zoo architecture is recognised from names and shapes alone, also fine-tuned to other
     * classes and for grayscale input; the CIFAR plain nets (option A has no shortcut parameters) are
     * read as their ResNet twins. Shapes are all it reads, so no weights are allocated here.
     */
    @ParameterizedTest
    @MethodSource("zoo")
    void everyZooArchitectureIsRecognised(String name) {
        ResNetSpec spec = ResNetSpec.named(name).withClasses(7).withInChannels(1);
        ResNetSpec found = ArchitectureMatch.inferFromShapes(FILE, ArchitectureMatch.expectedShapes(spec));
        boolean cifarPlain = name.startsWith("plain") && spec.stem() == ResNetSpec.Stem.CIFAR;
        ResNetSpec expected = cifarPlain ? ResNetSpec.named(name.replace("plain", "resnet")).withClasses(7).withInChannels(1)
                : spec;
        assertEquals(expected, found);
    }

    @Test
    void withoutBatchNormCountersItStillMatches() {
        Map<String, int[]> state = new LinkedHashMap<>(ArchitectureMatch.expectedShapes(ResNetSpec.named("resnet50")));
        state.keySet().removeIf(k -> k.endsWith("num_batches_tracked")); // as timm saves them
        assertEquals("resnet50", ArchitectureMatch.inferFromShapes(FILE, state).name());
    }

    @Test
    void noMatchListsTheClosestAndTheFirstDifferenceAndNamesArch() {
        Map<String, int[]> state = new LinkedHashMap<>(ArchitectureMatch.expectedShapes(ResNetSpec.named("resnet34")));
        state.put("layer4.2.conv2.weight", new int[] {512, 512, 5, 5});
        state.put("head.extra", new int[] {3});
        FormatException e = assertThrows(FormatException.class, () -> ArchitectureMatch.inferFromShapes(FILE, state));
        String m = e.getMessage();
        assertTrue(m.startsWith(FILE.toString()) && m.contains("match no zoo architecture")
                && m.contains("closest: resnet34 (2 tensors differ; first: 'layer4.2.conv2.weight' is [512, 512, 5, 5],"
                        + " expected [512, 512, 3, 3])")
                && m.contains("--arch"), m);
    }
}
