package io.jresnet.examples.embedding;

import io.jresnet.models.Classifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Image classification from an ONNX file: the README's second example. */
final class OnnxExample {
    private OnnxExample() {}

    // readme:begin onnx
    /** The {@code k} most probable labels of an image file, by a model read from an ONNX file. */
    static List<Classifier.Prediction> classify(Path onnxFile, Path imageFile, int k) throws IOException {
        try (Classifier classifier = Classifier.open(onnxFile)) { // best backend; preprocessing and labels
            return classifier.classify(imageFile, k);             // follow the model's input and classes
        }
    }
    // readme:end
}
