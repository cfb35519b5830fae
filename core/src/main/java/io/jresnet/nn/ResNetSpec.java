package io.jresnet.nn;

import io.jresnet.JResnetException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The architecture of a ResNet as data, like torchvision's {@code resnet50 = Bottleneck, [3, 4, 6, 3]}.
 *
 * @param name zoo name, e.g. {@code resnet50}, {@code resnet56}, {@code plain20}
 * @param block basic (two 3x3) or bottleneck (1x1, 3x3, 1x1) blocks
 * @param blocksPerStage how many blocks each stage has; stage {@code i > 0} starts with stride 2
 * @param stageWidths the {@code planes} of each stage (output channels / expansion)
 * @param stem ImageNet (7x7/2 conv, 3x3/2 max pool) or CIFAR (3x3/1 conv)
 * @param shortcut the shortcut option; {@link ShortcutType#NONE} makes the plain counterpart
 * @param inChannels image channels (3 for RGB, 1 for Fashion-MNIST)
 * @param numClasses width of the final linear layer
 * @param bottleneckWidth torchvision's {@code width_per_group}: a bottleneck's 1x1 and 3x3 layers have
 *     {@code planes * bottleneckWidth / 64} channels, its output {@code planes * 4} whatever it is;
 *     64 for ResNet-50/101/152, 128 for the wide ResNets (Zagoruyko and Komodakis 2016, as torchvision
 *     builds them); unused by basic blocks
 * @param preActivation the blocks of He et al. 2016 ("Identity Mappings in Deep Residual Networks"):
 *     BN-ReLU before each convolution, {@code y = F(x) + shortcut(x)} with no ReLU after the addition,
 *     and one BN-ReLU after the last stage
 * @param groups the cardinality of a ResNeXt (Xie et al. 2017, "Aggregated Residual Transformations"):
 *     a bottleneck's 3x3 convolution runs in this many groups, and its inner width is
 *     {@code planes * bottleneckWidth / 64 * groups} (torchvision's {@code groups}); 1 for a ResNet
 */
public record ResNetSpec(String name, Block block, int[] blocksPerStage, int[] stageWidths, Stem stem,
                         ShortcutType shortcut, int inChannels, int numClasses, int bottleneckWidth,
                         boolean preActivation, int groups) {
    /** torchvision's default {@code width_per_group}: {@value}. */
    public static final int DEFAULT_BOTTLENECK_WIDTH = 64;

    /**
     * A spec with the default bottleneck width (64).
     *
     * @param name zoo name
     * @param block the block kind
     * @param blocksPerStage blocks per stage
     * @param stageWidths planes per stage
     * @param stem the stem
     * @param shortcut the shortcut option
     * @param inChannels image channels
     * @param numClasses classes
     */
    public ResNetSpec(String name, Block block, int[] blocksPerStage, int[] stageWidths, Stem stem,
                      ShortcutType shortcut, int inChannels, int numClasses) {
        this(name, block, blocksPerStage, stageWidths, stem, shortcut, inChannels, numClasses, DEFAULT_BOTTLENECK_WIDTH,
                false);
    }

    /**
     * A post-activation (original) spec with a bottleneck width.
     *
     * @param name zoo name
     * @param block the block kind
     * @param blocksPerStage blocks per stage
     * @param stageWidths planes per stage
     * @param stem the stem
     * @param shortcut the shortcut option
     * @param inChannels image channels
     * @param numClasses classes
     * @param bottleneckWidth torchvision's width_per_group
     */
    public ResNetSpec(String name, Block block, int[] blocksPerStage, int[] stageWidths, Stem stem,
                      ShortcutType shortcut, int inChannels, int numClasses, int bottleneckWidth) {
        this(name, block, blocksPerStage, stageWidths, stem, shortcut, inChannels, numClasses, bottleneckWidth, false);
    }

    /**
     * A spec without groups (a ResNet, not a ResNeXt).
     *
     * @param name zoo name
     * @param block the block kind
     * @param blocksPerStage blocks per stage
     * @param stageWidths planes per stage
     * @param stem the stem
     * @param shortcut the shortcut option
     * @param inChannels image channels
     * @param numClasses classes
     * @param bottleneckWidth torchvision's width_per_group
     * @param preActivation whether the blocks are pre-activation ones
     */
    public ResNetSpec(String name, Block block, int[] blocksPerStage, int[] stageWidths, Stem stem,
                      ShortcutType shortcut, int inChannels, int numClasses, int bottleneckWidth,
                      boolean preActivation) {
        this(name, block, blocksPerStage, stageWidths, stem, shortcut, inChannels, numClasses, bottleneckWidth,
                preActivation, 1);
    }

    /** The residual block kind. */
    public enum Block {
        /** Two 3x3 convolutions (ResNet-18/34 and the CIFAR family); expansion 1. */
        BASIC,
        /** 1x1 reduce, 3x3, 1x1 restore (ResNet-50 and deeper); expansion 4. */
        BOTTLENECK
    }

    /** The layers before the first stage. */
    public enum Stem {
        /** 7x7 convolution with stride 2, then 3x3 max pooling with stride 2: 224x224 images. */
        IMAGENET,
        /** One 3x3 convolution with stride 1: 32x32 (or 28x28) images. */
        CIFAR
    }

    /** Checks that there is a width per stage and copies the arrays. */
    public ResNetSpec {
        if (blocksPerStage.length != stageWidths.length || blocksPerStage.length == 0) {
            throw new JResnetException("ResNetSpec " + name + ": " + blocksPerStage.length + " stages but "
                    + stageWidths.length + " widths");
        }
        if (bottleneckWidth < 1 || bottleneckWidth > 1024) {
            throw new JResnetException("ResNetSpec " + name + ": bottleneck width " + bottleneckWidth
                    + " (1 to 1024; 64 is the standard ResNet)");
        }
        if (groups < 1 || (groups > 1 && block == Block.BASIC)) {
            throw new JResnetException("ResNetSpec " + name + ": " + groups + " groups (at least 1; only bottleneck"
                    + " blocks have grouped convolutions, as in torchvision)");
        }
        for (int planes : stageWidths) {
            if (block == Block.BOTTLENECK && (long) planes * bottleneckWidth < DEFAULT_BOTTLENECK_WIDTH) {
                throw new JResnetException("ResNetSpec " + name + ": a stage of " + planes + " planes at bottleneck"
                        + " width " + bottleneckWidth + " has no channels per group");
            }
        }
        blocksPerStage = blocksPerStage.clone();
        stageWidths = stageWidths.clone();
    }

    /**
     * {@return the channels of a bottleneck's 1x1 and 3x3 layers in a stage of {@code planes}}
     *
     * @param planes the stage's planes
     */
    public int innerWidth(int planes) {
        return block == Block.BASIC ? planes : planes * bottleneckWidth / DEFAULT_BOTTLENECK_WIDTH * groups;
    }

    /** {@return the block's output channels per {@code planes}: 1 for basic, 4 for bottleneck} */
    public int expansion() {
        return block == Block.BASIC ? BasicBlock.EXPANSION : BottleneckBlock.EXPANSION;
    }

    /** {@return the weighted layers: the stem conv, every conv of the residual functions, and the FC} */
    public int depth() {
        int perBlock = block == Block.BASIC ? 2 : 3;
        return Arrays.stream(blocksPerStage).sum() * perBlock + 2;
    }

    /**
     * {@return the ImageNet ResNet of this depth (He et al., torchvision v1.5 layout), 1000 classes, RGB}
     *
     * @param depth 18, 34, 50, 101 or 152
     * @throws io.jresnet.JResnetException for another depth
     */
    public static ResNetSpec imagenet(int depth) {
        int[] blocks = switch (depth) {
            case 18 -> new int[] {2, 2, 2, 2};
            case 34, 50 -> new int[] {3, 4, 6, 3};
            case 101 -> new int[] {3, 4, 23, 3};
            case 152 -> new int[] {3, 8, 36, 3};
            default -> throw new JResnetException("no ImageNet ResNet of depth " + depth + " (18, 34, 50, 101, 152)");
        };
        Block b = depth < 50 ? Block.BASIC : Block.BOTTLENECK;
        return new ResNetSpec("resnet" + depth, b, blocks, new int[] {64, 128, 256, 512}, Stem.IMAGENET,
                ShortcutType.B, 3, 1000);
    }

    /**
     * {@return torchvision's wide ResNet of this depth ({@code wide_resnet50_2}, {@code wide_resnet101_2}):
     * ResNet-50/101 with bottlenecks twice as wide inside, 1000 classes, RGB}
     *
     * @param depth 50 or 101
     * @throws io.jresnet.JResnetException for another depth
     */
    public static ResNetSpec wide(int depth) {
        if (depth != 50 && depth != 101) {
            throw new JResnetException("no wide ResNet of depth " + depth + " (50, 101)");
        }
        ResNetSpec r = imagenet(depth);
        return new ResNetSpec("wide_resnet" + depth + "_2", r.block, r.blocksPerStage, r.stageWidths, r.stem, r.shortcut,
                r.inChannels, r.numClasses, 2 * DEFAULT_BOTTLENECK_WIDTH);
    }

    /**
     * {@return torchvision's ResNeXt of this depth and shape, {@code resnext<depth>_<groups>x<width>d}:
     * ResNet-50/101 whose bottlenecks have a 3x3 convolution in {@code groups} groups of
     * {@code widthPerGroup} channels (in the first stage; doubling with each stage), 1000 classes, RGB}
     *
     * @param depth 50 or 101
     * @param groups the cardinality, e.g. 32
     * @param widthPerGroup torchvision's width_per_group, e.g. 4
     * @throws io.jresnet.JResnetException for another depth
     */
    public static ResNetSpec resnext(int depth, int groups, int widthPerGroup) {
        if (depth != 50 && depth != 101) {
            throw new JResnetException("no ResNeXt of depth " + depth + " (50, 101)");
        }
        ResNetSpec r = imagenet(depth);
        return new ResNetSpec("resnext" + depth + "_" + groups + "x" + widthPerGroup + "d", r.block, r.blocksPerStage,
                r.stageWidths, r.stem, r.shortcut, r.inChannels, r.numClasses, widthPerGroup, false, groups);
    }

    /**
     * {@return the pre-activation ResNet of this depth (He et al. 2016) in the ImageNet layout: the
     * stages of {@link #imagenet}, projection shortcuts where shape changes, 1000 classes}
     *
     * @param depth 18, 34, 50, 101 or 152
     */
    public static ResNetSpec preActivation(int depth) {
        ResNetSpec r = imagenet(depth);
        return new ResNetSpec("preact_resnet" + depth, r.block, r.blocksPerStage, r.stageWidths, r.stem, ShortcutType.B,
                r.inChannels, r.numClasses, DEFAULT_BOTTLENECK_WIDTH, true);
    }

    /**
     * {@return a pre-activation CIFAR ResNet as in the paper's CIFAR experiments: three stages of n
     * blocks on 16/32/64 planes (bottleneck outputs 64/128/256), projection shortcuts where shape
     * changes, 10 classes; ResNet-110 is basic with n = 18, ResNet-164 bottleneck with n = 18}
     *
     * @param depth 6n+2 for basic blocks, 9n+2 for bottlenecks
     * @param bottleneck whether the blocks are bottlenecks
     */
    public static ResNetSpec cifarPreActivation(int depth, boolean bottleneck) {
        int per = bottleneck ? 9 : 6;
        if (depth < per + 2 || (depth - 2) % per != 0) {
            throw new JResnetException("a pre-activation CIFAR ResNet of " + (bottleneck ? "bottleneck" : "basic")
                    + " blocks has depth " + per + "n+2, found " + depth);
        }
        int n = (depth - 2) / per;
        return new ResNetSpec("preact_resnet" + depth, bottleneck ? Block.BOTTLENECK : Block.BASIC, new int[] {n, n, n},
                new int[] {16, 32, 64}, Stem.CIFAR, ShortcutType.B, 3, 10, DEFAULT_BOTTLENECK_WIDTH, true);
    }

    /**
     * {@return the CIFAR ResNet of this depth: three stages of n basic blocks, 16/32/64 channels, option A, 10 classes}
     *
     * @param depth 6n+2: 20, 32, 44, 56, 110, ...
     * @throws io.jresnet.JResnetException for another depth
     */
    public static ResNetSpec cifar(int depth) {
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new JResnetException("a CIFAR ResNet has depth 6n+2 (20, 32, 44, 56, 110), found " + depth);
        }
        int n = (depth - 2) / 6;
        return new ResNetSpec("resnet" + depth, Block.BASIC, new int[] {n, n, n}, new int[] {16, 32, 64}, Stem.CIFAR,
                ShortcutType.A, 3, 10);
    }

    /** {@return the same network without shortcuts ("plain-N" of the degradation experiment)} */
    public ResNetSpec plain() {
        return new ResNetSpec(name.replace("resnet", "plain"), block, blocksPerStage, stageWidths, stem,
                ShortcutType.NONE, inChannels, numClasses, bottleneckWidth, preActivation, groups);
    }

    /**
     * {@return the same network with another shortcut option}
     *
     * @param s the option
     */
    public ResNetSpec withShortcut(ShortcutType s) {
        return new ResNetSpec(name, block, blocksPerStage, stageWidths, stem, s, inChannels, numClasses, bottleneckWidth,
                preActivation, groups);
    }

    /**
     * {@return the same network with another number of classes}
     *
     * @param classes the final linear layer's width
     */
    public ResNetSpec withClasses(int classes) {
        return new ResNetSpec(name, block, blocksPerStage, stageWidths, stem, shortcut, inChannels, classes,
                bottleneckWidth, preActivation, groups);
    }

    /**
     * {@return the same network for images of another channel count}
     *
     * @param channels image channels (1 for grayscale)
     */
    public ResNetSpec withInChannels(int channels) {
        return new ResNetSpec(name, block, blocksPerStage, stageWidths, stem, shortcut, channels, numClasses,
                bottleneckWidth, preActivation, groups);
    }

    /**
     * {@return every named architecture, by name: resnet18..152, resnet20..110, their plain counterparts,
     * wide_resnet50_2, wide_resnet101_2, resnext50_32x4d, resnext101_32x8d, resnext101_64x4d, and the
     * pre-activation preact_resnet18..152, 110 and 164}
     */
    public static Map<String, ResNetSpec> zoo() {
        Map<String, ResNetSpec> zoo = new LinkedHashMap<>();
        for (int d : List.of(18, 34, 50, 101, 152)) zoo.put("resnet" + d, imagenet(d));
        for (int d : List.of(20, 32, 44, 56, 110)) zoo.put("resnet" + d, cifar(d));
        for (ResNetSpec s : List.copyOf(zoo.values())) zoo.put(s.plain().name(), s.plain());
        for (int d : List.of(50, 101)) zoo.put("wide_resnet" + d + "_2", wide(d)); // no plain twins: none were published
        for (ResNetSpec x : List.of(resnext(50, 32, 4), resnext(101, 32, 8), resnext(101, 64, 4))) zoo.put(x.name(), x);
        // Pre-activation: no plain twins either (without shortcuts the BN-ReLU order is not what the paper studies).
        for (int d : List.of(18, 34, 50, 101, 152)) zoo.put("preact_resnet" + d, preActivation(d));
        zoo.put("preact_resnet110", cifarPreActivation(110, false));
        zoo.put("preact_resnet164", cifarPreActivation(164, true));
        return zoo;
    }

    /**
     * {@return the architecture of this name in {@link #zoo()}, looked up case-insensitively}
     *
     * @param name e.g. {@code resnet50}, {@code plain20}
     * @throws io.jresnet.JResnetException for an unknown name
     */
    public static ResNetSpec named(String name) {
        ResNetSpec s = zoo().get(name.toLowerCase(Locale.ROOT));
        if (s == null) throw new JResnetException("unknown model '" + name + "'; known: " + zoo().keySet());
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResNetSpec s && name.equals(s.name) && block == s.block
                && Arrays.equals(blocksPerStage, s.blocksPerStage) && Arrays.equals(stageWidths, s.stageWidths)
                && stem == s.stem && shortcut == s.shortcut && inChannels == s.inChannels && numClasses == s.numClasses
                && bottleneckWidth == s.bottleneckWidth && preActivation == s.preActivation && groups == s.groups;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(blocksPerStage);
    }

    @Override
    public String toString() {
        return name + "(" + block + " " + Arrays.toString(blocksPerStage) + " x " + Arrays.toString(stageWidths)
                + (bottleneckWidth != DEFAULT_BOTTLENECK_WIDTH ? " width " + bottleneckWidth : "")
                + (groups != 1 ? " in " + groups + " groups" : "")
                + (preActivation ? ", pre-activation" : "") + ", "
                + stem + " stem, shortcut " + shortcut + ", " + inChannels + " in, " + numClasses + " classes)";
    }
}
