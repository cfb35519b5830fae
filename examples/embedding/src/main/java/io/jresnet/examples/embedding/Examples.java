package io.jresnet.examples.embedding;

import io.jresnet.backend.Backends;
import io.jresnet.models.BuiltinModel;
import io.jresnet.models.Classifier;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.models.onnx.OnnxExporter;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Runs the three README examples and checks what they return, so that a wrong answer, a backend that
 * was not found or a JVM option that did not work fails the build. {@code -Dexamples.expect=} says
 * how this JVM was started: {@code class-path} or {@code module-path} (the cpu backend must be
 * chosen), or {@code no-vector-api} (class path without {@code --add-modules jdk.incubator.vector}:
 * the cpu backend must report itself unavailable naming that option, and the examples run on the next
 * available backend).
 */
public final class Examples {
    private Examples() {}

    /**
     * Runs the examples; exits with a failure (an exception) when one gives a wrong result.
     *
     * @param args none
     * @throws Exception when an example fails
     */
    public static void main(String[] args) throws Exception {
        String expect = System.getProperty("examples.expect", "class-path");
        String path = Examples.class.getModule().isNamed() ? "module-path" : "class-path";
        check(path.equals(expect.equals("no-vector-api") ? "class-path" : expect),
                "expected to run on the " + expect + ", found the " + path);

        // Every provider of both backend jars is registered, on this path (provides or META-INF/services).
        List<Backends.Status> providers = Backends.list();
        providers.forEach(s -> System.out.println("  " + s.name() + ": "
                + (s.availability().available() ? s.availability().device() : s.availability().reason())));
        List<String> names = providers.stream().map(Backends.Status::name).sorted().toList();
        check(names.equals(List.of("cpu", "cuda", "opencl", "reference")), "providers found: " + names);
        Backends.Status cpu = providers.stream().filter(s -> s.name().equals("cpu")).findFirst().orElseThrow();
        String chosen = Backends.select(null).name();
        if (expect.equals("no-vector-api")) {
            check(!cpu.availability().available()
                    && cpu.availability().reason().contains("--add-modules jdk.incubator.vector"),
                    "without the Vector API the cpu backend must say how to enable it: " + cpu.availability());
            check(!chosen.equals("cpu"), "chose " + chosen);
        } else {
            check(chosen.equals("cpu"), "expected the cpu backend, chose " + chosen + " (cpu: "
                    + cpu.availability() + ")");
            Tensor logits = ZooExample.runResNet18();
            check(logits.shape().equals(Shape.of(1, 1000)) && logits.firstNonFinite() < 0, "ResNet-18: " + logits);
        }

        List<BuiltinModel.Sample> samples = BuiltinModel.samples();
        ResNet net = BuiltinModel.load();
        Path dir = Files.createTempDirectory("jresnet-examples-");
        try {
            Path onnx = dir.resolve("fashion-resnet20.onnx"), png = dir.resolve("sample.png");
            OnnxExporter.write(net, onnx);
            BuiltinModel.Sample sample = samples.getFirst();
            ImageIO.write(sample.image(), "png", png.toFile());
            List<Classifier.Prediction> top = OnnxExample.classify(onnx, png, 3);
            System.out.println("  " + sample.file() + " -> " + top);
            check(top.size() == 3 && top.getFirst().index() == sample.label(),
                    sample.file() + " (label " + sample.label() + ") classified as " + top);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(dir);
        }

        Tensor[] images = samples.stream().map(s -> Preprocessing.FASHION_MNIST.apply(s.image())).toArray(Tensor[]::new);
        Tensor[] alone = ThreadsExample.runOnThreads(net, images, 1);
        Tensor[] shared = ThreadsExample.runOnThreads(net, images, 3);
        int right = 0;
        for (int i = 0; i < images.length; i++) {
            check(argmax(shared[i]) == argmax(alone[i]), samples.get(i).file() + ": class " + argmax(shared[i])
                    + " on 3 threads, " + argmax(alone[i]) + " on 1");
            check(maxAbsDifference(alone[i], shared[i]) <= 1e-5f, samples.get(i).file()
                    + ": 3 threads and 1 thread disagree by " + maxAbsDifference(alone[i], shared[i]));
            if (argmax(shared[i]) == samples.get(i).label()) right++;
        }
        // The model's accuracy is BuiltinModelTest's to check (it calls the shirt sample a T-shirt); this
        // only catches garbage, such as images preprocessed wrongly, which would get about 1 in 10 right.
        check(right >= 8, "only " + right + " of " + images.length + " samples classified right");
        System.out.println("  " + right + " of " + images.length + " samples right on 3 threads");
        System.out.println("embedding examples passed on the " + path + " (" + expect + "), backend " + chosen);
    }

    private static int argmax(Tensor logits) {
        float[] z = logits.toArray();
        return java.util.stream.IntStream.range(0, z.length).boxed()
                .max(Comparator.comparingDouble(i -> z[i])).orElseThrow();
    }

    private static float maxAbsDifference(Tensor a, Tensor b) {
        float[] x = a.toArray(), y = b.toArray();
        float max = 0;
        for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
        return max;
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
