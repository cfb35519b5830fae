package io.jresnet.cpu;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Two builds of the cpu kernels timed against each other in one JVM, for a host whose speed drifts
 * by 2x between minutes (this project's VMs): each build's classes get their own class loader (so
 * each is JIT-compiled on its own), and every round times both builds on every shape, alternating
 * which goes first; the verdict is the median of the per-round ratios, which the drift cancels out
 * of. {@code bench/kernel-ab.sh} builds the two class folders and runs it.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp <test classes>:<dependencies>
 * io.jresnet.cpu.KernelAB ROUNDS CLASSES_A CLASSES_B SHAPE...}, a shape being
 * {@code c,k,hw,kernel,stride[,batch]} (one convolution, one thread, on blocked buffers).
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
        VectorKernels kernels = new VectorKernels();
        int[] s = Arrays.stream(shape.split(",")).mapToInt(Integer::parseInt).toArray();
        return ConvCase.of(s.length > 5 ? s[5] : 1, s[0], s[1], s[2], s[3], s[4], 1, kernels.lanes()).on(kernels);
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
                    } while (System.nanoTime() - t0 < 20_000_000L);
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
