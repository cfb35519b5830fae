package io.jresnet.cpu;

import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Session;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.Plan;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.train.Ops;
import io.jresnet.train.Sgd;
import io.jresnet.train.Tape;
import io.jresnet.train.TapeModel;
import io.jresnet.train.TrainingContext;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Two builds of the cpu kernels timed against each other in one JVM, for a host whose speed drifts
 * by 2x between minutes (this project's VMs): each build's classes get their own class loader (so
 * each is JIT-compiled on its own), and every round times both builds on every shape, alternating
 * which goes first; the verdict is the median of the per-round ratios, which the drift cancels out
 * of. {@code bench/kernel-ab.sh} builds the two class folders and runs it.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp <test classes>:<dependencies>
 * io.jresnet.cpu.KernelAB ROUNDS CLASSES_A CLASSES_B SHAPE...}, a shape being
 * {@code c,k,hw,kernel,stride[,batch]} (one convolution, one thread, on blocked buffers),
 * {@code net:MODEL:BATCH} (one inference of a zoo model with seeded weights, a 2-thread cpu backend)
 * or {@code train:DEPTH} (one SGD step of CIFAR ResNet-DEPTH on 1x28x28 inputs, batch 128, the cpu
 * training kernels on 2 threads). Each phase runs its case for at least 20 ms and 3 times.
 */
public final class KernelAB {
    private KernelAB() {}

    /**
     * One shape's convolution, ready to run: called through each build's own loader.
     *
     * @param shape {@code c,k,hw,kernel,stride[,batch]}
     * @return a run of the kernel over every work item
     */
    public static Runnable prepare(String shape) {
        if (shape.startsWith("net:")) return inference(shape);
        if (shape.startsWith("train:")) return trainingStep(Integer.parseInt(shape.substring("train:".length())));
        VectorKernels kernels = new VectorKernels();
        int[] s = Arrays.stream(shape.split(",")).mapToInt(Integer::parseInt).toArray();
        return ConvCase.of(s.length > 5 ? s[5] : 1, s[0], s[1], s[2], s[3], s[4], 1, kernels.lanes()).on(kernels);
    }

    /** {@code net:MODEL:BATCH}; the backend and session live as long as the process. */
    private static Runnable inference(String shape) {
        String[] p = shape.split(":");
        ResNet net = new ResNet(ResNetSpec.named(p[1]));
        Initializers.kaiming(net, 1, false);
        Initializers.randomBatchNormStatistics(net, 2);
        int side = net.spec().stem() == ResNetSpec.Stem.IMAGENET ? 224 : 32;
        Plan plan = net.plan(Shape.nchw(Integer.parseInt(p[2]), net.spec().inChannels(), side, side));
        Session session = new CpuBackend(new BackendOptions(2, Map.of())).compile(plan).newSession();
        Tensor x = Tensor.uniform(plan.inputShape(), -1, 1, 3), y = Tensor.zeros(session.model().outputShape());
        return () -> session.run(x, y);
    }

    /** {@code train:DEPTH}: the step {@code TrainingStepAB} times, on the bordered-plane path. */
    private static Runnable trainingStep(int depth) {
        TrainingContext ctx = new TrainingContext(new VectorTrainingKernels(new VectorGemm(new WorkerPool(2)), true));
        ResNet net = new ResNet(ResNetSpec.cifar(depth).withInChannels(1));
        Initializers.kaiming(net, 1, false);
        net.train(true);
        Sgd sgd = Sgd.paper(net);
        int batch = 128;
        Tensor x = Tensor.normal(Shape.nchw(batch, 1, 28, 28), 1f, 2);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % 10;
        return () -> {
            sgd.zeroGrad();
            Tape tape = Tape.recording(ctx);
            tape.backward(Ops.softmaxCrossEntropy(tape, new TapeModel(net).forward(tape.constant(x), tape), labels));
            sgd.step(0.01);
        };
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        String[] builds = {args[1], args[2]};
        List<String> shapes = List.of(args).subList(3, args.length);
        // This class's own folder and the dependencies, minus any cpu backend classes on the class path.
        List<URL> common = new ArrayList<>(List.of(KernelAB.class.getProtectionDomain().getCodeSource().getLocation()));
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!entry.contains("backend-cpu")) common.add(Path.of(entry).toUri().toURL());
        }
        List<List<Runnable>> runs = new ArrayList<>();
        for (String build : builds) {
            List<URL> urls = new ArrayList<>(common);
            urls.add(1, Path.of(build).toUri().toURL());
            ClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
            Method prepare = loader.loadClass(KernelAB.class.getName()).getMethod("prepare", String.class);
            List<Runnable> forBuild = new ArrayList<>();
            for (String shape : shapes) forBuild.add((Runnable) prepare.invoke(null, shape));
            runs.add(forBuild);
        }
        double[][][] ms = new double[2][shapes.size()][rounds];
        for (int r = -5; r < rounds; r++) { // five rounds of warm-up
            for (int i = 0; i < shapes.size(); i++) {
                for (int k = 0; k < 2; k++) {
                    int b = (k + r + 5) % 2; // alternate which build goes first
                    long t0 = System.nanoTime();
                    int n = 0;
                    do {
                        runs.get(b).get(i).run();
                        n++;
                    } while (System.nanoTime() - t0 < 20_000_000L || n < 3);
                    if (r >= 0) ms[b][i][r] = (System.nanoTime() - t0) / 1e6 / n;
                }
            }
        }
        System.out.printf("A = %s%nB = %s%n", builds[0], builds[1]);
        for (int i = 0; i < shapes.size(); i++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = ms[1][i][r] / ms[0][i][r];
            Arrays.sort(ratio);
            Arrays.sort(ms[0][i]);
            Arrays.sort(ms[1][i]);
            System.out.printf("%-18s A %.3f ms, B %.3f ms (medians); B/A per round: median %.3f, quartiles %.3f-%.3f%n",
                    shapes.get(i), ms[0][i][rounds / 2], ms[1][i][rounds / 2], ratio[rounds / 2], ratio[rounds / 4],
                    ratio[3 * rounds / 4]);
        }
    }
}
