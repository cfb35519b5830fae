package io.jresnet.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import io.jresnet.models.onnx.OnnxExporter;
import java.awt.image.BufferedImage;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classifier on an ImageNet-shaped ONNX file: ResNet-50 classifies a JPEG with ImageNet preprocessing
 * and labels. (The README's examples, a zoo network through a session among them, are the code of
 * examples/embedding, which runs them and checks them against the README.)
 */
class OnnxImageNetClassifierTest {
    @Test
    void onnxResNet50ClassifiesAJpeg(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("resnet50.onnx"), image = dir.resolve("cat.jpg");
        OnnxExporter.write(Zoo.build("resnet50", 3), model);
        ImageIO.write(new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB), "jpg", image.toFile());
        List<Classifier.Prediction> top;
        try (Classifier classifier = Classifier.open(model)) {     // best backend; ImageNet preprocessing and labels
            top = classifier.classify(image, 5);                    // the 5 most probable labels
            top.forEach(System.out::println);                       // " 12.34%  tabby (281)"
        }
        assertEquals(5, top.size());
        assertTrue(top.get(0).probability() >= top.get(4).probability());
    }
}
