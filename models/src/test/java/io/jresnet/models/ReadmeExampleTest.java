package io.jresnet.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.Backend;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import io.jresnet.models.onnx.OnnxExporter;
import java.awt.image.BufferedImage;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the README's embedding example compiling and running: the block between the markers is in README.md verbatim. */
class ReadmeExampleTest {
    @Test
    void embeddingExampleRuns() throws Exception {
        Tensor logits;
        // README-EXAMPLE-BEGIN
        ResNet net = Zoo.build("resnet18", 42);                 // seeded weights; ModelFiles.load(path) for real ones
        Shape input = Shape.nchw(1, 3, 224, 224);
        try (Backend backend = Backends.create();               // best available: cuda, cpu, opencl, reference
             CompiledModel model = backend.compile(net.plan(input)); // weights packed once, thread-safe
             Session session = model.newSession()) {            // activation buffers: one per thread
            Tensor image = Tensor.uniform(input, -1f, 1f, 7);   // stands in for a preprocessed image
            logits = session.run(image);                        // [1, 1000]
            System.out.println(backend.name() + " on " + backend.device() + ": " + logits);
        }
        // README-EXAMPLE-END
        assertEquals(Shape.of(1, 1000), logits.shape());
        assertEquals(-1, logits.firstNonFinite());

        assertReadmeHolds("README-EXAMPLE");
    }

    @Test
    void onnxClassificationExampleRuns(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("resnet50.onnx"), image = dir.resolve("cat.jpg");
        OnnxExporter.write(Zoo.build("resnet50", 3), model);
        ImageIO.write(new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB), "jpg", image.toFile());
        List<Classifier.Prediction> top;
        // README-ONNX-BEGIN
        try (Classifier classifier = Classifier.open(model)) {     // best backend; ImageNet preprocessing and labels
            top = classifier.classify(image, 5);                    // the 5 most probable labels
            top.forEach(System.out::println);                       // " 12.34%  tabby (281)"
        }
        // README-ONNX-END
        assertEquals(5, top.size());
        assertTrue(top.get(0).probability() >= top.get(4).probability());
        assertReadmeHolds("README-ONNX");
    }

    /** Every line between the markers in this file appears in README.md. */
    private static void assertReadmeHolds(String marker) throws Exception {
        String source = Files.readString(Path.of("src/test/java/io/jresnet/models/ReadmeExampleTest.java"));
        int from = source.indexOf("// " + marker + "-BEGIN") + marker.length() + 9;
        String block = source.substring(from, source.indexOf("// " + marker + "-END"));
        String readme = Files.readString(Path.of("../README.md"));
        for (String line : block.strip().split("\n")) {
            assertTrue(readme.contains(line.strip()), "README.md lacks the example line: " + line.strip());
        }
    }
}
