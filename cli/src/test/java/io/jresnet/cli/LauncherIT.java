package io.jresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.models.io.Npy;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the {@code ./jresnet} launcher as a user would, after the jars are packaged (Failsafe), and
 * holds it to printing only what each command is for: no JVM or library WARNING lines and no stack
 * traces on stderr. The in-process tests cannot see these: they come from the JVM's boot (the
 * incubator module), from libraries reaching for {@code sun.misc.Unsafe}, and from the launcher.
 */
class LauncherIT {
    private static final Path LAUNCHER = Path.of(System.getProperty("user.dir")).resolveSibling("jresnet");

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {}

    private Run launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile());
        pb.environment().put("JRESNET_SKIP_BUILD", "1"); // the jars of this build, never a nested mvn
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("./jresnet " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("stdout.txt"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8));
    }

    private void assertQuietSuccess(Run r, String command) {
        assertEquals(0, r.exitCode(), command + " failed: " + r.err());
        assertEquals("", r.err(), command + " printed on stderr");
        assertTrue(!r.out().isBlank(), command + " printed nothing");
    }

    private static void assertNoWarningOrStackTrace(String err, String command) {
        assertTrue(err.lines().noneMatch(l -> l.contains("WARNING") || l.startsWith("\tat ")
                || l.startsWith("Exception in thread")), command + " printed a warning or a stack trace:\n" + err);
    }

    @Test
    void theMainJobPrintsItsResultsAndNothingElse() throws Exception {
        Run r = launch("classify");
        assertQuietSuccess(r, "classify");
        assertTrue(r.out().matches("(?s).*\\b\\d+ of 10 right\\n.*"), r.out());
    }

    @Test
    void inferOnAnOnnxFileAndBenchAreQuiet() throws Exception {
        Path onnx = dir.resolve("r20.onnx"), in = dir.resolve("in.npy"), out = dir.resolve("out.npy");
        Run export = launch("export", "--model", "resnet20", "--format", "onnx", "--out", onnx.toString());
        assertQuietSuccess(export, "export");
        Npy.write(in, Tensor.uniform(Shape.nchw(2, 3, 32, 32), -1, 1, 5));
        // Reading ONNX goes through protobuf-java, which reaches for sun.misc.Unsafe.
        Run infer = launch("infer", "--model", onnx.toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(0, infer.exitCode(), infer.err());
        assertEquals("", infer.err());
        assertEquals(Shape.of(2, 10), Npy.read(out).shape());
        // bench reports its correctness check on stderr (stdout is the timing); nothing else may be there.
        Run bench = launch("bench", "--model", "resnet20", "--warmup", "1", "--iterations", "2");
        assertEquals(0, bench.exitCode(), bench.err());
        assertNoWarningOrStackTrace(bench.err(), "bench");
        assertTrue(bench.err().lines().allMatch(l -> l.startsWith("check: max |cpu - reference| = ")), bench.err());
    }

    @Test
    void anErrorIsOneLineOnStderrAndArrivesBeforeTheProcessEnds() throws Exception {
        // stderr goes to a file; it is read as soon as the process has exited.
        Run r = launch("infer", "--model", "resnet20", "--input", dir.resolve("missing.npy").toString(),
                "--output", dir.resolve("out.npy").toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("jresnet infer: ") && r.err().contains("missing.npy: no such file"), r.err());
    }
}
