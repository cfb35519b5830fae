/**
 * The jresnet library for applications: the model zoo ({@link io.jresnet.models.Zoo}), the built-in
 * Fashion-MNIST ResNet-20 ({@link io.jresnet.models.BuiltinModel}), image classification
 * ({@link io.jresnet.models.Classifier}), model and tensor files (safetensors, {@code .npy}, ONNX
 * import and export), image preprocessing and labels, and the IDX and CIFAR-10 data sets.
 *
 * <p>It finds backends only through {@link java.util.ServiceLoader}: put
 * {@code jresnet-backend-cpu} (and {@code jresnet-backend-gpu}) on the module path or class path at
 * run time; {@code reference}, in {@code io.jresnet.core}, is always there.
 */
// protobuf-java has no module descriptor, only an Automatic-Module-Name (com.google.protobuf); it
// is an implementation detail here (no exported signature mentions it), so javac's note about
// requiring an automatic module is expected.
@SuppressWarnings("requires-automatic")
module io.jresnet.models {
    requires transitive io.jresnet.core;
    requires transitive java.desktop; // BufferedImage in Preprocessing, Classifier and BuiltinModel
    requires transitive com.fasterxml.jackson.databind; // BuiltinModel.about() returns a JsonNode
    requires com.google.protobuf;

    exports io.jresnet.models;
    exports io.jresnet.models.batch;
    exports io.jresnet.models.data;
    exports io.jresnet.models.image;
    exports io.jresnet.models.io;
    exports io.jresnet.models.onnx;
    // The generated ONNX messages stay internal; protobuf's runtime reflects on them.
    opens io.jresnet.models.onnx.proto to com.google.protobuf;

    // Results formats beyond CSV and JSON Lines (jresnet-parquet) plug in here.
    uses io.jresnet.models.batch.ResultsFormat;
}
