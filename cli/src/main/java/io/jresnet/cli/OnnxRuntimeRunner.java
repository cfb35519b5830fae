package io.jresnet.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Runs an ONNX file in ONNX Runtime. Loaded only after {@link VerifyCommand#onnxRuntimeAvailable()}
 * found ONNX Runtime on the class path (it is an optional, provided-scope dependency).
 */
final class OnnxRuntimeRunner {
    private OnnxRuntimeRunner() {}

    static Tensor run(Path file, Tensor input) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(file.toString(), options);
             OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.toArray()),
                     Arrays.stream(input.shape().dims()).asLongStream().toArray());
             OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), x))) {
            OnnxTensor y = (OnnxTensor) result.get(0);
            FloatBuffer fb = y.getFloatBuffer();
            float[] data = new float[fb.remaining()];
            fb.get(data);
            return Tensor.wrap(data, Shape.of(Arrays.stream(y.getInfo().getShape()).mapToInt(Math::toIntExact).toArray()));
        }
    }
}
