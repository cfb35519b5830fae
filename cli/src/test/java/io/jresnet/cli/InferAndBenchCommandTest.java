package io.jresnet.cli;

import static io.jresnet.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jresnet.backend.Backend;
import io.jresnet.backend.Backends;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.models.Zoo;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.models.io.Npy;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferAndBenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Tensor runOnReference(ResNet net, Tensor x) {
        try (Backend b = Backends.create("reference", BackendOptions.defaults());
             CompiledModel compiled = b.compile(net.plan(x.shape())); Session exe = compiled.newSession()) {
            return exe.run(x);
        }
    }

    @Test
    void inferWritesWhatASessionComputes() throws Exception {
        Tensor x = Tensor.uniform(Shape.nchw(2, 3, 32, 32), -1, 1, 11);
        Path in = dir.resolve("in.npy"), out = dir.resolve("out.npy");
        Npy.write(in, x);
        CliTestSupport.Result r = run("infer", "--model", "resnet20", "--seed", "3", "--input", in.toString(),
                "--output", out.toString(), "--backend", "reference");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
        Tensor y = Npy.read(out);
        Tensor expected = runOnReference(Zoo.build("resnet20", 3), x);
        assertEquals(Shape.of(2, 10), y.shape());
        assertArrayEquals(expected.toArray(), y.toArray());
    }

    @Test
    void inferLoadsWeightsFilesAndArchOverride() throws Exception {
        ResNet net = Zoo.build("resnet20", 8);
        Path weights = dir.resolve("r20.safetensors");
        ModelFiles.save(net, weights);
        Tensor x = Tensor.uniform(Shape.nchw(1, 3, 32, 32), -1, 1, 2);
        Path in = dir.resolve("in.npy"), out = dir.resolve("out.npy");
        Npy.write(in, x);
        Tensor expected = runOnReference(net, x);
        for (String[] extra : new String[][] {{}, {"--arch", "resnet20"}}) {
            String[] args = {"infer", "--model", weights.toString(), "--input", in.toString(), "--output", out.toString(),
                    "--backend", "reference"};
            CliTestSupport.Result r = run(concat(args, extra));
            assertEquals(0, r.exitCode(), r.err());
            assertArrayEquals(expected.toArray(), Npy.read(out).toArray());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void benchJsonReportsTimingsAndThroughput() throws Exception {
        CliTestSupport.Result r = run("bench", "--model", "resnet20", "--backend", "reference", "--warmup", "1",
                "--iterations", "2", "--batch", "2", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = JSON.readTree(r.out());
        assertEquals("resnet20", o.get("model").asText());
        assertEquals("reference", o.get("backend").asText());
        assertTrue(o.get("device").asText().contains("scalar Java"));
        assertEquals(2, o.get("batch").asInt());
        assertEquals(1, o.get("threads").asInt());
        double median = o.get("median_ms").asDouble(), min = o.get("min_ms").asDouble();
        assertTrue(min > 0 && min <= median, r.out());
        assertEquals(2 / (median / 1e3), o.get("images_per_s").asDouble(), 1e-6 * o.get("images_per_s").asDouble());
        assertEquals(2.0 * o.get("macs").asLong() / (median / 1e3) / 1e9, o.get("gflops").asDouble(), 1e-9);
        assertTrue(o.get("max_abs_diff").isNull(), "reference is not checked against itself");
        // Not a terminal: no progress bar (ProgressLineTest covers drawing on one).
        assertFalse(r.err().contains("\r"), r.err());
    }

    @Test
    void benchChecksOtherBackendsAgainstReferenceBeforeTiming() throws Exception {
        String old = System.getProperty(OffsetBackendProvider.AMOUNT);
        try {
            System.clearProperty(OffsetBackendProvider.AMOUNT);
            CliTestSupport.Result ok = run("bench", "--model", "resnet20", "--backend", "offset", "--warmup", "0",
                    "--iterations", "1", "--json");
            assertEquals(0, ok.exitCode(), ok.err());
            assertEquals(0.0, JSON.readTree(ok.out()).get("max_abs_diff").asDouble());
            assertTrue(ok.err().contains("check: max |offset - reference| = 0"), ok.err());

            System.setProperty(OffsetBackendProvider.AMOUNT, "5");
            CliTestSupport.Result wrong = run("bench", "--model", "resnet20", "--backend", "offset", "--iterations", "1");
            assertEquals(1, wrong.exitCode(), wrong.err());
            assertEquals("", wrong.out());
            assertTrue(wrong.err().startsWith("jresnet bench: backend 'offset' disagrees with reference: max abs diff 5"),
                    wrong.err());

            CliTestSupport.Result unchecked = run("bench", "--model", "resnet20", "--backend", "offset", "--warmup", "0",
                    "--iterations", "1", "--no-check", "--json");
            assertEquals(0, unchecked.exitCode(), unchecked.err());
        } finally {
            if (old == null) System.clearProperty(OffsetBackendProvider.AMOUNT); else System.setProperty(OffsetBackendProvider.AMOUNT, old);
        }
    }
}
