package io.jresnet.cli;

import static io.jresnet.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.models.Zoo;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.models.io.Npy;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export, verify, and .onnx accepted wherever a model is taken. */
class OnnxCommandsTest {
    @TempDir
    Path dir;

    @Test
    void exportedOnnxRunsLikeTheOriginalEverywhere() throws Exception {
        ResNet net = Zoo.build("resnet20", 6);
        Initializers.randomBatchNormStatistics(net, 7);
        Path weights = dir.resolve("r20.safetensors");
        ModelFiles.save(net, weights);
        Path onnx = dir.resolve("r20.onnx");
        CliTestSupport.Result export = run("export", "--model", weights.toString(), "--format", "onnx", "--out", onnx.toString());
        assertEquals(0, export.exitCode(), export.err());
        assertTrue(export.out().contains("269,722 parameters") || export.out().contains("269722"), export.out());

        // summary of the ONNX file counts the same parameters (conv weights, BN scale/shift, fc)
        CliTestSupport.Result summary = run("summary", onnx.toString(), "--json");
        assertEquals(0, summary.exitCode(), summary.err());
        assertTrue(summary.out().contains("\"params\" : 269722"), summary.out());

        // infer through the ONNX file equals infer through the weights file
        Tensor x = Tensor.uniform(Shape.nchw(2, 3, 32, 32), -1, 1, 3);
        Path in = dir.resolve("x.npy");
        Npy.write(in, x);
        Path a = dir.resolve("a.npy"), b = dir.resolve("b.npy");
        assertEquals(0, run("infer", "--model", onnx.toString(), "--input", in.toString(), "--output", a.toString(),
                "--backend", "reference").exitCode());
        assertEquals(0, run("infer", "--model", weights.toString(), "--input", in.toString(), "--output", b.toString(),
                "--backend", "reference").exitCode());
        float[] ya = Npy.read(a).toArray(), yb = Npy.read(b).toArray();
        for (int i = 0; i < ya.length; i++) assertEquals(yb[i], ya[i], 1e-4f * Math.max(1, Math.abs(yb[i])));

        // and back to safetensors only from a jresnet architecture
        CliTestSupport.Result back = run("export", "--model", onnx.toString(), "--format", "safetensors", "--out",
                dir.resolve("x.safetensors").toString());
        assertEquals(1, back.exitCode());
        assertTrue(back.err().contains("ONNX only"), back.err());
    }

    @Test
    void verifyAgreesWithOnnxRuntime() throws Exception {
        CliTestSupport.Result r = run("verify", "--model", "resnet20", "--backend", "reference", "--seed", "4");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("OK"), r.out());
        Path onnx = dir.resolve("r.onnx");
        assertEquals(0, run("export", "--model", "resnet18", "--format", "onnx", "--out", onnx.toString()).exitCode());
        assertTrue(Files.size(onnx) > 40_000_000);
        CliTestSupport.Result v = run("verify", "--model", onnx.toString(), "--backend", "reference", "--input-size", "64",
                "--batch", "1");
        assertEquals(0, v.exitCode(), v.out() + v.err());
    }

    @Test
    void safetensorsExportRoundTrips() throws Exception {
        Path out = dir.resolve("r.safetensors");
        assertEquals(0, run("export", "--model", "plain20", "--seed", "2", "--format", "safetensors", "--out", out.toString()).exitCode());
        ResNet loaded = ModelFiles.load(out);
        assertEquals("plain20", loaded.spec().name());
        assertArrayEquals(Zoo.build("plain20", 2).stateDict().get("fc.weight").toArray(),
                loaded.stateDict().get("fc.weight").toArray());
    }
}
