package io.jresnet.nn;

import io.jresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Seeded weight initialisation, following torchvision's ResNet. */
public final class Initializers {
    private Initializers() {}

    /**
     * {@return every module below {@code root} (root included), depth first in registration order}
     *
     * @param root the top module
     */
    public static List<Module> modules(Module root) {
        List<Module> all = new ArrayList<>();
        all.add(root);
        for (Module c : root.children().values()) all.addAll(modules(c));
        return all;
    }

    /**
     * He et al. 2015 ("Delving deep into rectifiers") initialisation: conv weights from
     * {@code N(0, 2 / (out * k * k))} (fan-out mode, as torchvision), BN scale 1 and shift 0, linear
     * layers {@code U(-1/sqrt(in), 1/sqrt(in))} as torch's default.
     *
     * @param zeroInitResidual set the last BN scale of each residual block to 0, so every block starts
     *     as the identity (Goyal et al. 2017); helps very deep nets train
     * @param root the top module; its weights are overwritten in place
     * @param seed the generator's seed: the same seed gives the same weights
     */
    public static void kaiming(Module root, long seed, boolean zeroInitResidual) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Module> modules = modules(root);
        // One stream per module, split in module order: adding a layer does not reshuffle the rest, and
        // each module's values depend on its own stream only, so the modules are filled in parallel
        // (ResNet-50's 25 million Box-Muller draws take about a second on one core).
        SplittableRandom[] streams = new SplittableRandom[modules.size()];
        for (int i = 0; i < streams.length; i++) streams[i] = rng.split();
        IntStream.range(0, streams.length).parallel().forEach(i -> {
            SplittableRandom r = streams[i];
            switch (modules.get(i)) {
                case Conv2d c -> {
                    double std = Math.sqrt(2.0 / (c.outChannels() * c.kernel() * c.kernel()));
                    normal(c.weight().value(), std, r);
                    if (c.bias() != null) c.bias().value().fill(0f);
                }
                case BatchNorm2d b -> {
                    b.weight().value().fill(1f);
                    b.bias().value().fill(0f);
                }
                case Linear l -> {
                    double bound = 1.0 / Math.sqrt(l.inFeatures());
                    uniform(l.weight().value(), bound, r);
                    uniform(l.bias().value(), bound, r);
                }
                default -> { }
            }
        });
        if (zeroInitResidual) {
            for (Module m : modules(root)) {
                if (m instanceof BasicBlock b) b.lastBatchNorm().weight().value().fill(0f);
                if (m instanceof BottleneckBlock b) b.lastBatchNorm().weight().value().fill(0f);
            }
        }
    }

    /**
     * Gives every BatchNorm non-trivial statistics and affine parameters (scale in [0.5, 1.5), shift and
     * mean from N(0, 0.1^2), variance in [0.5, 1.5)), so that tests of BN folding and of imported
     * graphs exercise every term. Untrained nets otherwise have mean 0 and variance 1.
     *
     * @param root the top module; its batch norms are overwritten in place
     * @param seed the generator's seed
     */
    public static void randomBatchNormStatistics(Module root, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Module m : modules(root)) {
            if (!(m instanceof BatchNorm2d b)) continue;
            SplittableRandom r = rng.split();
            uniformIn(b.weight().value(), 0.5, 1.5, r);
            normal(b.bias().value(), 0.1, r);
            normal(b.runningMean().value(), 0.1, r);
            uniformIn(b.runningVar().value(), 0.5, 1.5, r);
        }
    }

    private static void normal(Tensor t, double std, SplittableRandom r) {
        float[] a = t.array();
        for (int i = t.offset(); i < t.offset() + t.size(); i++) a[i] = (float) (std * gaussian(r));
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller, one sample per call: simple and reproducible.
        double u1 = 1.0 - r.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    private static void uniform(Tensor t, double bound, SplittableRandom r) {
        uniformIn(t, -bound, bound, r);
    }

    private static void uniformIn(Tensor t, double lo, double hi, SplittableRandom r) {
        float[] a = t.array();
        for (int i = t.offset(); i < t.offset() + t.size(); i++) a[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
}
