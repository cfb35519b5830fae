package io.jresnet.models.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.testing.Tolerance;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;

/** Runs an ONNX file in ONNX Runtime and in jresnet (import → plan → reference backend) and compares. */
final class OnnxRuntimePeer {
    private OnnxRuntimePeer() {}

    static Tensor runOrt(Path file, Tensor input) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1); // the CI machine has two cores shared with other builds
            try (OrtSession session = env.createSession(file.toString(), options);
                 OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.toArray()),
                         Arrays.stream(input.shape().dims()).asLongStream().toArray());
                 OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), x))) {
                OnnxTensor y = (OnnxTensor) result.get(0);
                long[] dims = y.getInfo().getShape();
                FloatBuffer fb = y.getFloatBuffer();
                float[] data = new float[fb.remaining()];
                fb.get(data);
                return Tensor.wrap(data, Shape.of(Arrays.stream(dims).mapToInt(Math::toIntExact).toArray()));
            }
        }
    }

    static Tensor runJresnet(Path file, Tensor input) {
        OnnxModel model = OnnxImporter.load(file);
        try (CompiledModel e = new ReferenceBackend().compile(Planner.plan(model.toGraph(input.shape())))) {
            return e.run(input);
        }
    }

    /** Indices of the {@code k} largest values of row {@code n}, largest first. */
    static int[] topK(Tensor logits, int n, int k) {
        int classes = logits.shape().dim(1);
        float[] row = Arrays.copyOfRange(logits.array(), logits.offset() + n * classes, logits.offset() + (n + 1) * classes);
        return IntStream.range(0, classes).boxed().sorted((a, b) -> Float.compare(row[b], row[a]))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    /**
     * Asserts agreement: max abs diff at most {@code 1e-3 * max(1, max|logit|)} and identical top-5
     * (top-k for fewer classes) per image. Returns the max abs diff relative to the logit scale.
     */
    static double assertAgree(String what, Tensor ort, Tensor ours) {
        new Tolerance(1e-3, 0).relativeTo(ort).assertClose(ort, ours, what);
        int k = Math.min(5, ort.shape().dim(1));
        for (int n = 0; n < ort.shape().dim(0); n++) {
            assertArrayEquals(topK(ort, n, k), topK(ours, n, k), what + ": top-" + k + " of image " + n);
        }
        double scale = Math.max(1.0, Tolerance.maxAbs(ort));
        double relative = Tolerance.maxAbsDiff(ort, ours) / scale;
        assertTrue(Double.isFinite(relative), what + ": non-finite logits");
        System.out.printf("%s: max |ort - jresnet| = %.3g, logit scale %.3g, relative %.3g%n", what,
                Tolerance.maxAbsDiff(ort, ours), scale, relative);
        return relative;
    }
}
