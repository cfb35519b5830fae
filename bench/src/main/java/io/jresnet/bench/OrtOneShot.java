package io.jresnet.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.jresnet.models.io.Npy;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The peer of {@code ./jresnet infer} for one-shot runs: ONNX Runtime's Java API loads a model, runs
 * one input tensor read from {@code .npy} and writes the output, in a process of its own, the way a
 * script calling it once would. {@code bench/one-shot.sh} times both as whole processes.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.jresnet.bench.OrtOneShot MODEL.onnx IN.npy OUT.npy
 * java -cp bench/target/benchmarks.jar io.jresnet.bench.OrtOneShot --random-input OUT.npy N,C,H,W
 * </pre>
 * The second form writes a seeded uniform [-1, 1) tensor, the input both runtimes are given.
 */
public final class OrtOneShot {
    private OrtOneShot() {}

    public static void main(String[] args) throws IOException, OrtException {
        if (args.length == 3 && args[0].equals("--random-input")) {
            int[] dims = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
            Npy.write(Path.of(args[1]), Tensor.uniform(Shape.of(dims), -1, 1, 7));
            return;
        }
        if (args.length != 3) {
            System.err.println("usage: OrtOneShot MODEL.onnx IN.npy OUT.npy | --random-input OUT.npy N,C,H,W");
            System.exit(2);
        }
        Tensor x = Npy.read(Path.of(args[1]));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        // Defaults, as a user calling it once would have them: all graph optimisations, one thread per core.
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(args[0], opts);
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toArray()),
                     Arrays.stream(x.shape().dims()).asLongStream().toArray());
             OrtSession.Result result = session.run(java.util.Map.of(session.getInputNames().iterator().next(), in))) {
            OnnxTensor y = (OnnxTensor) result.get(0);
            long[] shape = y.getInfo().getShape();
            float[] values = new float[y.getFloatBuffer().remaining()];
            y.getFloatBuffer().get(values);
            Npy.write(Path.of(args[2]), Tensor.wrap(values, Shape.of(Arrays.stream(shape).mapToInt(Math::toIntExact).toArray())));
        }
    }
}
