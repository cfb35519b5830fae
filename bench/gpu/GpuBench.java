import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Times a zoo ResNet with seeded weights on jresnet backends and writes what PyTorch needs to run the
 * same network: the weights (torchvision names, raw little-endian float32 + index.tsv), the inputs
 * and jresnet's logits. Run with the source launcher:
 *   java --enable-native-access=ALL-UNNAMED -cp <core.jar>:<backend-gpu.jar> bench/gpu/GpuBench.java \
 *        OUT_DIR MODEL SIZE BATCHES BACKENDS RUNS
 * e.g. OUT_DIR resnet50 224 1,8,64 cuda,opencl 30. Prints one TSV line per (backend, batch):
 *   impl, model, batch, median_ms, min_ms, images_per_s, max_abs_logit_diff_vs_first_backend
 */
public class GpuBench {
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        String model = args[1];
        int size = Integer.parseInt(args[2]);
        int[] batches = Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
        String[] backends = args[4].split(",");
        int runs = Integer.parseInt(args[5]);
        Files.createDirectories(out.resolve("weights"));

        ResNet net = new ResNet(ResNetSpec.named(model));
        Initializers.kaiming(net, 42, false);
        Initializers.randomBatchNormStatistics(net, 43);
        writeWeights(net.stateDict(), out.resolve("weights"));

        try (PrintWriter tsv = new PrintWriter(Files.newBufferedWriter(out.resolve("jresnet.tsv")))) {
            for (int batch : batches) {
                Shape in = Shape.nchw(batch, 3, size, size);
                Tensor x = Tensor.uniform(in, -2f, 2f, 1000 + batch);
                writeRaw(x, out.resolve("input_b" + batch + ".f32"));
                Tensor first = null;
                for (String name : backends) {
                    String line;
                    try (Backend b = Backends.create(name, BackendOptions.defaults());
                         CompiledModel m = b.compile(net.plan(in)); Session e = m.newSession()) {
                        Tensor y = Tensor.zeros(e.model().outputShape());
                        for (int i = 0; i < 3; i++) e.run(x, y); // warm-up: kernel JIT, caches
                        double[] ms = new double[runs];
                        for (int i = 0; i < runs; i++) {
                            long t0 = System.nanoTime();
                            e.run(x, y);
                            ms[i] = (System.nanoTime() - t0) / 1e6;
                        }
                        Arrays.sort(ms);
                        double median = ms[runs / 2];
                        if (first == null) {
                            first = y.copy();
                            writeRaw(y, out.resolve("logits_b" + batch + ".f32"));
                        }
                        double diff = 0;
                        for (int i = 0; i < y.size(); i++) {
                            diff = Math.max(diff, Math.abs(y.array()[i] - first.array()[i]));
                        }
                        line = String.format("jresnet-%s\t%s\t%d\t%.3f\t%.3f\t%.1f\t%.2e\t%s", name, model, batch, median,
                                ms[0], batch * 1000.0 / median, diff, b.device());
                    } catch (RuntimeException ex) {
                        line = String.format("jresnet-%s\t%s\t%d\t-\t-\t-\t-\tunavailable: %s", name, model, batch,
                                ex.getMessage().replace('\t', ' ').replace('\n', ' '));
                    }
                    System.out.println(line);
                    tsv.println(line);
                    tsv.flush();
                }
            }
        }
    }

    static void writeWeights(Map<String, Tensor> state, Path dir) throws IOException {
        try (PrintWriter index = new PrintWriter(Files.newBufferedWriter(dir.resolve("index.tsv")))) {
            for (var e : state.entrySet()) {
                String file = e.getKey() + ".f32";
                writeRaw(e.getValue(), dir.resolve(file));
                index.println(e.getKey() + "\t" + Arrays.toString(e.getValue().shape().dims()).replaceAll("[\\[\\] ]", "")
                        + "\t" + file);
            }
        }
    }

    static void writeRaw(Tensor t, Path file) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(t.array(), t.offset(), t.size());
        Files.write(file, bb.array());
    }
}
