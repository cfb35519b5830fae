package io.jresnet.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.TrainingKernels;
import io.jresnet.backend.TrainingKernels.ConvGeometry;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.reference.ReferenceTrainingKernels;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import io.jresnet.train.Ops;
import io.jresnet.train.Sgd;
import io.jresnet.train.Tape;
import io.jresnet.train.TapeModel;
import io.jresnet.train.TrainingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The cpu backend's training kernels against the scalar reference ones, kernel by kernel on odd sizes
 * (planes of 1, 7x7 and 17x17 values, channel counts that are not a multiple of any vector width, an
 * input at an offset, sizes above the threshold where the work is split over the 2 threads), and a
 * whole ResNet-8 training step. Runs at every width (preferred, 256, 128 and scalar executions).
 *
 * <p>Tolerance: the kernels sum a plane in lanes where the reference sums it in order; both are float
 * sums of at most a few thousand terms, so {@code 1e-5} relative to the largest value plus
 * {@code 1e-4} of each value; backward sums add the rounding of the statistics they use.
 */
class TrainingKernelsWidthTest {
    private static final CpuBackend CPU = new CpuBackend(BackendOptions.threads(2));
    private static final Tolerance KERNEL = new Tolerance(1e-5, 1e-4);

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** Runs {@code kernel} on fresh cpu and reference kernels, each on its own copy of {@code outputs}, and compares them. */
    private static void compare(String what, float[][] outputs, Consumer<Kernels> kernel) {
        float[][] fast = new float[outputs.length][], slow = new float[outputs.length][];
        for (int i = 0; i < outputs.length; i++) {
            fast[i] = outputs[i] == null ? null : outputs[i].clone();
            slow[i] = outputs[i] == null ? null : outputs[i].clone();
        }
        kernel.accept(new Kernels(CPU.newTrainingKernels(), fast));
        kernel.accept(new Kernels(new ReferenceTrainingKernels(), slow));
        for (int i = 0; i < outputs.length; i++) {
            if (outputs[i] == null) continue;
            Tensor e = Tensor.wrap(slow[i], Shape.of(slow[i].length)), a = Tensor.wrap(fast[i], Shape.of(fast[i].length));
            KERNEL.relativeTo(e).assertClose(e, a, what + " output " + i);
        }
    }

    /** The kernels under test and the output arrays they write (each side its own copies). */
    record Kernels(TrainingKernels k, float[][] out) {}

    private static float[] uniform(int size, long seed) {
        return Tensor.uniform(Shape.of(size), -1, 1, seed).array();
    }

    @Test
    void theBackendSuppliesItsVectorKernelsUnlessScalar() {
        TrainingKernels k = CPU.newTrainingKernels();
        assertTrue(CpuSettings.requestedVectorBits() == 0 ? !(k instanceof VectorTrainingKernels)
                : k instanceof VectorTrainingKernels, k.description());
    }

    @ParameterizedTest(name = "n{0} c{1} spatial{2}")
    @CsvSource({"1,1,1", "3,5,7", "2,17,49", "4,17,289", "1,3,1000"})
    void batchNormForwardAndBackward(int n, int c, int spatial) {
        int size = n * c * spatial, xOff = 3;
        float[] x = uniform(size + xOff, n * 31L + c), gamma = uniform(c, 2), beta = uniform(c, 3);
        for (int i = 0; i < size + xOff; i++) x[i] = x[i] * 2 + 0.5f; // mean away from 0
        float[] dy = uniform(size, 4);
        double[] mean = new double[c], variance = new double[c], istd = new double[c];
        double[] refMean = new double[c], refVariance = new double[c], refIstd = new double[c];
        float[] y = new float[size], refY = new float[size];
        CPU.newTrainingKernels().batchNorm(x, xOff, n, c, spatial, gamma, beta, 1e-5f, y, mean, variance, istd);
        new ReferenceTrainingKernels().batchNorm(x, xOff, n, c, spatial, gamma, beta, 1e-5f, refY, refMean, refVariance,
                refIstd);
        Tensor expected = Tensor.wrap(refY, Shape.of(size));
        KERNEL.relativeTo(expected).assertClose(expected, Tensor.wrap(y, Shape.of(size)), "batch norm forward");
        for (int ch = 0; ch < c; ch++) {
            assertTrue(Math.abs(mean[ch] - refMean[ch]) <= 1e-6 * (1 + Math.abs(refMean[ch])), "mean of " + ch);
            assertTrue(Math.abs(variance[ch] - refVariance[ch]) <= 1e-5 * refVariance[ch] + 1e-9, "variance of " + ch);
            assertTrue(Math.abs(istd[ch] - refIstd[ch]) <= 1e-5 * refIstd[ch], "inverse deviation of " + ch);
        }
        for (boolean batchStatistics : new boolean[] {true, false}) {
            compare("batch norm backward, batch statistics " + batchStatistics,
                    new float[][] {uniform(size, 5), uniform(c, 6), uniform(c, 7)},
                    kk -> kk.k().batchNormBackward(x, xOff, n, c, spatial, gamma, refMean, refIstd, batchStatistics, dy,
                            kk.out()[0], kk.out()[1], kk.out()[2]));
        }
        compare("batch norm backward, frozen and no input gradient", new float[][] {uniform(c, 8)},
                kk -> kk.k().batchNormBackward(x, xOff, n, c, spatial, gamma, refMean, refIstd, true, dy, null, null,
                        kk.out()[0]));
        compare("channel affine", new float[][] {new float[size]},
                kk -> kk.k().channelAffine(x, xOff, n, c, spatial, gamma, beta, kk.out()[0]));
        compare("batch norm and ReLU", new float[][] {new float[size]},
                kk -> kk.k().batchNormRelu(x, xOff, n, c, spatial, gamma, beta, 1e-5f, kk.out()[0], new double[c],
                        new double[c], new double[c]));
    }

    @ParameterizedTest(name = "size {0}")
    @CsvSource({"1", "17", "1000", "20001"})
    void elementWise(int size) {
        float[] a = uniform(size + 5, size), b = uniform(size + 2, size + 1L), dy = uniform(size, size + 2L);
        a[5] = 0f; // the kink itself: no gradient passes
        compare("relu", new float[][] {new float[size]}, kk -> kk.k().relu(a, 5, kk.out()[0], size));
        float[] y = new float[size];
        new ReferenceTrainingKernels().relu(a, 5, y, size);
        compare("relu backward", new float[][] {uniform(size, 9)}, kk -> kk.k().reluBackward(y, dy, kk.out()[0], size));
        compare("add", new float[][] {new float[size]}, kk -> kk.k().add(a, 5, b, 2, kk.out()[0], size));
        compare("add and ReLU", new float[][] {new float[size]}, kk -> kk.k().addRelu(a, 5, b, 2, kk.out()[0], size));
        y[size / 2] = Float.NaN; // no gradient passes a NaN output either
        compare("ReLU mask", new float[][] {dy.clone()}, kk -> kk.k().reluMask(y, kk.out()[0], size));
        compare("accumulate", new float[][] {uniform(size, 10)}, kk -> kk.k().accumulate(dy, kk.out()[0], size));
        compare("zero", new float[][] {uniform(size, 11)}, kk -> kk.k().zero(kk.out()[0], size));
    }

    @ParameterizedTest(name = "planes {0} spatial {1}")
    @CsvSource({"1,1", "17,7", "128,64", "3,1000"})
    void globalAveragePool(int planes, int spatial) {
        float[] x = uniform(planes * spatial + 1, planes), dy = uniform(planes, 12);
        compare("global average pool", new float[][] {new float[planes]},
                kk -> kk.k().globalAvgPool(x, 1, planes, spatial, kk.out()[0]));
        compare("global average pool backward", new float[][] {uniform(planes * spatial, 13)},
                kk -> kk.k().globalAvgPoolBackward(dy, planes, spatial, kk.out()[0]));
    }

    @ParameterizedTest(name = "n{0} c{1} {2}x{2} k{3} r{4} s{5} p{6}")
    @CsvSource({"1,1,7,16,3,1,1", "3,17,9,5,3,2,1", "2,16,8,32,1,2,0", "5,3,1,7,1,1,0",
        // 3x3, stride 1, padding 1: the bordered-plane kernels (odd channels, a 1x1 image, several chunks per thread)
        "3,17,9,5,3,1,1", "2,16,1,3,3,1,1", "4,20,5,33,3,1,1", "9,4,28,6,3,1,1", "5,64,7,64,3,1,1",
        // 32+ channels in and out: forward and input gradient on Winograd (channels not a multiple of a
        // vector, 1x1 and 2x2 images, a side not a multiple of the 4x4 tile, batch 1, and 51 images of
        // 14x14: two chunks per thread, the last one shorter on one thread only)
        "1,32,1,32,3,1,1", "3,33,9,40,3,1,1", "2,48,2,35,3,1,1", "1,40,13,32,3,1,1", "51,32,14,32,3,1,1"})
    void convolutionOnTheVectorGemm(int n, int c, int hw, int k, int r, int s, int p) {
        ConvGeometry g = new ConvGeometry(n, c, hw, hw, k, r, s, p);
        int in = n * c * hw * hw, out = n * k * g.oh() * g.ow();
        float[] x = uniform(in + 2, in), w = uniform(k * c * r * r, 14), bias = uniform(k, 15), dy = uniform(out, 16);
        compare("conv", new float[][] {new float[out]}, kk -> kk.k().conv(g, x, 2, w, bias, kk.out()[0]));
        compare("conv backward", new float[][] {uniform(in, 17), uniform(w.length, 18), uniform(k, 19)},
                kk -> kk.k().convBackward(g, x, 2, w, dy, kk.out()[0], kk.out()[1], kk.out()[2]));
    }

    /** A whole step of ResNet-8 (batch 6 of 1x16x16): the same loss and parameter gradients as the reference's. */
    @Test
    void aTrainingStepGivesTheReferenceGradients() {
        Map<String, Tensor> cpu = step(TrainingContext.on(CPU)), reference = step(TrainingContext.reference());
        reference.forEach((name, g) -> new Tolerance(1e-4, 1e-3).relativeTo(g).assertClose(g, cpu.get(name), name));
    }

    /** A step of a two-stage ResNeXt (3x3 layers in 4 groups, batch 6 of 1x16x16): the reference's gradients. */
    @Test
    void aGroupedConvolutionTrainingStepGivesTheReferenceGradients() {
        ResNetSpec resnext = new ResNetSpec("resnext-tiny", ResNetSpec.Block.BOTTLENECK, new int[] {1, 1}, new int[] {16, 32},
                ResNetSpec.Stem.CIFAR, io.jresnet.nn.ShortcutType.B, 1, 10, 16, false, 4);
        Map<String, Tensor> cpu = step(TrainingContext.on(CPU), resnext), reference = step(TrainingContext.reference(), resnext);
        reference.forEach((name, g) -> new Tolerance(1e-4, 1e-3).relativeTo(g).assertClose(g, cpu.get(name), name));
    }

    /** Work is split by fixed ranges, never by who finishes first: two runs of a step agree bit for bit. */
    @Test
    void aTrainingStepIsDeterministic() {
        for (int run = 0; run < 3; run++) {
            Map<String, Tensor> first = step(TrainingContext.on(CPU)), second = step(TrainingContext.on(CPU));
            first.forEach((name, g) -> org.junit.jupiter.api.Assertions.assertArrayEquals(g.toArray(),
                    second.get(name).toArray(), name));
        }
    }

    private static Map<String, Tensor> step(TrainingContext context) {
        return step(context, ResNetSpec.cifar(8).withInChannels(1));
    }

    private static Map<String, Tensor> step(TrainingContext context, ResNetSpec spec) {
        ResNet net = new ResNet(spec);
        Initializers.kaiming(net, 20, false);
        net.train(true);
        Tape tape = Tape.recording(context);
        tape.backward(Ops.softmaxCrossEntropy(tape, new TapeModel(net).forward(
                tape.constant(Tensor.uniform(Shape.nchw(6, 1, 16, 16), -1, 1, 21)), tape), new int[] {0, 1, 2, 3, 4, 5}));
        Map<String, Tensor> grads = new LinkedHashMap<>();
        Sgd.paper(net).parameters().forEach((name, p) -> grads.put(name, p.grad().copy()));
        return grads;
    }
}
