package io.jresnet.cli;

import static io.jresnet.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.models.Zoo;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.models.io.Npy;
import io.jresnet.models.io.SafeTensors;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input gives one line on stderr naming what is wrong, and exit code 1 (2 for usage). */
class CliErrorsTest {
    @TempDir
    Path dir;

    private Path input;
    private Path output;
    private Path weights;

    @BeforeEach
    void files() throws IOException {
        input = dir.resolve("in.npy");
        output = dir.resolve("out.npy");
        weights = dir.resolve("r20.safetensors");
        Npy.write(input, Tensor.uniform(Shape.nchw(1, 3, 32, 32), -1, 1, 1));
        ModelFiles.save(Zoo.build("resnet20", 1), weights);
    }

    private CliTestSupport.Result infer(String model, Path in, String... extra) {
        String[] args = {"infer", "--model", model, "--input", in.toString(), "--output", output.toString()};
        String[] all = Arrays.copyOf(args, args.length + extra.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        return run(all);
    }

    /** Asserts exit code 1, nothing on stdout, one line on stderr containing every fragment, and no output file. */
    private void assertOneLineError(CliTestSupport.Result r, String... fragments) {
        assertEquals(1, r.exitCode(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("jresnet infer: "), r.err());
        for (String f : fragments) assertTrue(r.err().contains(f), "'" + f + "' in: " + r.err());
        assertTrue(Files.notExists(output), "no output is written on error");
    }

    private Path corrupt(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /**
     * An output that cannot be written (its directory is missing; a directory has its temporary name,
     * as a failed write would; a directory has its name, so the final move fails): one line naming
     * the file, and nothing left beside it.
     */
    @Test
    void outputThatCannotBeWritten() throws IOException {
        Path missingDir = dir.resolve("no-such-dir").resolve("out.npy");
        CliTestSupport.Result r = run("infer", "--model", "resnet20", "--input", input.toString(),
                "--output", missingDir.toString());
        assertOneLineError(r, missingDir.toString());
        Files.createDirectories(dir.resolve(".out.npy.partial")).resolve("keep").toFile().createNewFile();
        assertOneLineError(infer("resnet20", input), "out.npy");
        Files.delete(dir.resolve(".out.npy.partial").resolve("keep"));
        Files.delete(dir.resolve(".out.npy.partial"));
        Files.createDirectories(output).resolve("keep").toFile().createNewFile();
        r = infer("resnet20", input);
        assertEquals(1, r.exitCode(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(output.toString()), r.err());
        assertTrue(Files.notExists(dir.resolve(".out.npy.partial")), "the temporary file is removed");
    }

    @Test
    void missingInputFile() {
        Path absent = dir.resolve("absent.npy");
        assertOneLineError(infer("resnet20", absent), absent + ": no such file");
    }

    @Test
    void corruptInputFile() throws IOException {
        byte[] b = Files.readAllBytes(input);
        b[0] = 'X';
        Path bad = corrupt("bad.npy", b);
        assertOneLineError(infer("resnet20", bad), bad.toString(), "not a .npy file");
    }

    @Test
    void truncatedInputFile() throws IOException {
        byte[] b = Files.readAllBytes(input);
        Path bad = corrupt("short.npy", Arrays.copyOf(b, b.length - 100));
        assertOneLineError(infer("resnet20", bad), bad.toString(), "truncated", "needs 12288 data bytes, found 12188");
    }

    @Test
    void inputOfTheWrongShape() throws IOException {
        Path gray = dir.resolve("gray.npy");
        Npy.write(gray, Tensor.zeros(Shape.nchw(1, 1, 32, 32)));
        assertOneLineError(infer("resnet20", gray), gray.toString(), "should have shape [N, 3, H, W]", "found [1, 1, 32, 32]");
        Path flat = dir.resolve("flat.npy");
        Npy.write(flat, Tensor.zeros(Shape.of(3, 32)));
        assertOneLineError(infer("resnet20", flat), flat.toString(), "found [3, 32]");
    }

    @Test
    void missingWeightsFile() {
        Path absent = dir.resolve("absent.safetensors");
        assertOneLineError(infer(absent.toString(), input), absent + ": no such file");
    }

    @Test
    void corruptWeightsFile() throws IOException {
        byte[] b = Files.readAllBytes(weights);
        b[8] = '[';
        Path bad = corrupt("corrupt.safetensors", b);
        assertOneLineError(infer(bad.toString(), input), bad.toString(), "does not start with '{'");
    }

    @Test
    void truncatedWeightsFile() throws IOException {
        byte[] b = Files.readAllBytes(weights);
        Path bad = corrupt("short.safetensors", Arrays.copyOf(b, b.length / 2));
        assertOneLineError(infer(bad.toString(), input), bad.toString(), "run past the end");
    }

    @Test
    void weightOfTheWrongShape() throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>(Zoo.build("resnet20", 1).stateDict());
        state.put("fc.bias", Tensor.zeros(11));
        Path bad = dir.resolve("shape.safetensors");
        SafeTensors.write(bad, state, Map.of(ModelFiles.ARCH, "resnet20"));
        assertOneLineError(infer(bad.toString(), input), bad.toString(), "'fc.bias'", "expected shape [10]", "found [11]");
    }

    @Test
    void weightNameTheModelDoesNotHave() throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>(Zoo.build("resnet20", 1).stateDict());
        state.put("layer9.0.conv1.weight", Tensor.zeros(1));
        Path bad = dir.resolve("extra.safetensors");
        SafeTensors.write(bad, state, Map.of(ModelFiles.ARCH, "resnet20"));
        assertOneLineError(infer(bad.toString(), input), bad.toString(), "unexpected [layer9.0.conv1.weight]");
    }

    /** Without metadata the architecture is matched by the weights; weights that match none need --arch. */
    @Test
    void weightsWithoutArchitectureAreMatchedOrNeedArch() throws IOException {
        Path bare = dir.resolve("bare.safetensors");
        Map<String, Tensor> state = new LinkedHashMap<>(Zoo.build("resnet20", 1).stateDict());
        SafeTensors.write(bare, state, Map.of());
        assertEquals(0, infer(bare.toString(), input).exitCode(), "matched as resnet20");
        Files.delete(output);
        state.put("extra.weight", Tensor.zeros(3));
        SafeTensors.write(bare, state, Map.of());
        assertOneLineError(infer(bare.toString(), input), bare.toString(), "match no zoo architecture",
                "closest: resnet20 (1 tensors differ; first: 'extra.weight' is not in resnet20)", "--arch");
    }

    @Test
    void unknownModelFileType() throws IOException {
        Path txt = Files.writeString(dir.resolve("model.txt"), "hello");
        assertOneLineError(infer(txt.toString(), input), txt.toString(), "unknown model file type 'txt'");
    }

    @Test
    void unknownModelAndBackendNames() {
        assertOneLineError(infer("resnet21", input), "unknown model 'resnet21'", "resnet20");
        assertOneLineError(infer("resnet20", input, "--backend", "tpu"), "no backend named 'tpu'", "reference");
    }

    @Test
    void verbosePrintsTheStackTrace() {
        CliTestSupport.Result r = infer("resnet21", input, "--verbose");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("jresnet infer: unknown model 'resnet21'"), r.err());
        assertTrue(r.err().contains("\tat io.jresnet"), r.err());
    }

    @Test
    void usageErrorsExitWithTwo() {
        CliTestSupport.Result r = run("infer", "--model", "resnet20");
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("Missing required options") && r.err().contains("'jresnet infer --help'"), r.err());
        assertEquals(2, run("frobnicate").exitCode());
        CliTestSupport.Result bare = run();
        assertEquals(2, bare.exitCode());
        assertTrue(bare.err().contains("Usage: jresnet"), bare.err());
        assertEquals(2, run("bench", "--iterations", "many").exitCode());
    }
}
