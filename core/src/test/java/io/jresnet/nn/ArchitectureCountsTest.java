package io.jresnet.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.tensor.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArchitectureCountsTest {
    @ParameterizedTest(name = "{0} has {1} parameters")
    @CsvSource({
        // torchvision's published counts
        "resnet18, 11689512", "resnet34, 21797672", "resnet50, 25557032", "resnet101, 44549160",
        "resnet152, 60192808", "wide_resnet50_2, 68883240", "wide_resnet101_2, 126886696",
        "resnext50_32x4d, 25028904", "resnext101_32x8d, 88791336", "resnext101_64x4d, 83455272",
        // CIFAR option-A nets, 10 classes: the paper's 0.27/0.46/0.66/0.85/1.7 M
        "resnet20, 269722", "resnet32, 464154", "resnet44, 658586", "resnet56, 853018", "resnet110, 1727962"})
    void parameterCountsMatchPublishedOnes(String name, long expected) {
        assertEquals(expected, new ResNet(ResNetSpec.named(name)).parameterCount());
    }

    /**
     * He et al. 2016, tables 2 and 3: the pre-activation CIFAR ResNet-110 and ResNet-164 both have 1.7 M
     * parameters. The ImageNet pre-activation nets keep their original twins' convolutions and move
     * the batch norms (none on the projections, one more at the end), so they are within 5% of them.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"preact_resnet110, resnet110", "preact_resnet164, ", "preact_resnet18, resnet18", "preact_resnet50, resnet50"})
    void preActivationNetsHaveThePapersSizes(String name, String original) {
        ResNetSpec spec = ResNetSpec.named(name);
        long params = new ResNet(spec).parameterCount();
        if (spec.stem() == ResNetSpec.Stem.CIFAR) {
            assertEquals(1.7, Math.round(params / 1e5) / 10.0, name + ": " + params);
        }
        if (original != null) {
            long twin = new ResNet(ResNetSpec.named(original)).parameterCount();
            assertTrue(Math.abs(params - twin) < 0.05 * twin, name + " " + params + " vs " + original + " " + twin);
        }
        assertEquals(spec.block() == ResNetSpec.Block.BASIC ? 2 : 3,
                (spec.depth() - 2) / java.util.Arrays.stream(spec.blocksPerStage()).sum());
    }

    @Test
    void plainNetsHaveTheSameDepthAndOnlyLoseProjections() {
        for (String d : List.of("20", "56", "110")) {
            ResNetSpec res = ResNetSpec.named("resnet" + d);
            ResNetSpec plain = ResNetSpec.named("plain" + d);
            assertEquals(res.depth(), plain.depth());
            // option A adds no parameters, so the CIFAR plain and residual nets are the same size
            assertEquals(new ResNet(res).parameterCount(), new ResNet(plain).parameterCount());
        }
        assertEquals(56, ResNetSpec.named("plain56").depth());
        assertEquals(50, ResNetSpec.named("resnet50").depth());
        assertTrue(new ResNet(ResNetSpec.named("plain50")).parameterCount()
                < new ResNet(ResNetSpec.named("resnet50")).parameterCount());
    }

    @Test
    void macsAt224MatchThePublishedOnes() {
        Shape in = Shape.nchw(1, 3, 224, 224);
        // 4.089 G for ResNet-50, 1.814 G for ResNet-18 (counting convs and the FC)
        assertEquals(4.089e9, new ResNet(ResNetSpec.named("resnet50")).macs(in), 0.002e9);
        assertEquals(1.814e9, new ResNet(ResNetSpec.named("resnet18")).macs(in), 0.002e9);
        assertEquals(0.0408e9, new ResNet(ResNetSpec.named("resnet20")).macs(Shape.nchw(1, 3, 32, 32)), 0.001e9);
    }

    @Test
    void stateDictKeysAreTorchvisionNames() {
        Map<String, Parameter> p = new ResNet(ResNetSpec.named("resnet50")).namedParameters();
        List<String> first = List.copyOf(p.keySet()).subList(0, 7);
        assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                "bn1.num_batches_tracked", "layer1.0.conv1.weight"), first);
        assertTrue(p.containsKey("layer2.0.downsample.0.weight"));
        assertTrue(p.containsKey("layer2.0.downsample.1.running_var"));
        assertTrue(p.containsKey("layer4.2.bn3.bias"));
        assertTrue(p.containsKey("fc.weight"));
        assertTrue(p.containsKey("fc.bias"));
        assertEquals(320, p.size()); // torchvision resnet50 state_dict has 320 entries
    }

    @Test
    void shortcutOptions() {
        ResNetSpec a = ResNetSpec.named("resnet20");
        ResNetSpec b = a.withShortcut(ShortcutType.B);
        ResNetSpec c = a.withShortcut(ShortcutType.C);
        long pa = new ResNet(a).parameterCount(), pb = new ResNet(b).parameterCount(), pc = new ResNet(c).parameterCount();
        // B adds two projections (16->32, 32->64) with BN; C adds one on every block
        assertEquals(pa + (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64), pb);
        assertTrue(pc > pb);
        ResNet net = new ResNet(c);
        for (ResidualBlock block : net.blocks()) assertTrue(block.shortcut() != null);
    }
}
