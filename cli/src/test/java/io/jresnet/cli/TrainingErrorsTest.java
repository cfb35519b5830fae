package io.jresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the training commands: one line on stderr that says what is missing and what to do. Needs no data. */
class TrainingErrorsTest {
    @TempDir
    Path tmp;

    @Test
    void aMissingFashionMnistDirectoryNamesItAndTheDebianPackage() {
        Path missing = tmp.resolve("nowhere");
        CliTestSupport.Result r = CliTestSupport.run("train", "--data", "fashion-mnist", "--data-dir", missing.toString(),
                "--out", tmp.resolve("out").toString());
        assertEquals(CliErrors.ERROR, r.exitCode());
        String line = r.errLines().strip();
        assertEquals(1, line.lines().count(), r.err());
        assertTrue(line.contains("directory " + missing + " does not exist"), line);
        assertTrue(line.contains("apt-get install dataset-fashion-mnist"), line);
    }

    @Test
    void aMissingFileInAnExistingDirectoryIsNamed() {
        CliTestSupport.Result r = CliTestSupport.run("evaluate", "--model", tmp.resolve("m.safetensors").toString(),
                "--data", "fashion-mnist", "--data-dir", tmp.toString());
        assertEquals(CliErrors.ERROR, r.exitCode());
        // the model file is checked first: it does not exist either
        assertTrue(r.err().contains("m.safetensors"), r.err());
        CliTestSupport.Result data = CliTestSupport.run("experiment", "degradation", "--data-dir", tmp.toString(),
                "--out", tmp.resolve("d").toString());
        assertEquals(CliErrors.ERROR, data.exitCode());
        assertTrue(data.err().contains(tmp.resolve("train-images-idx3-ubyte") + "[.gz] is missing"), data.err());
        assertTrue(data.err().contains("apt-get install dataset-fashion-mnist"), data.err());
    }

    @Test
    void missingCifarDataSaysWhereToGetIt() {
        CliTestSupport.Result r = CliTestSupport.run("train", "--data", "cifar10", "--data-dir", tmp.toString(),
                "--out", tmp.resolve("out").toString());
        assertEquals(CliErrors.ERROR, r.exitCode());
        assertTrue(r.err().contains(tmp.resolve("data_batch_1.bin") + " is missing"), r.err());
        assertTrue(r.err().contains("cifar-10-binary.tar.gz"), r.err());
    }

    @Test
    void classifyWithAModelButNoImagesSaysOnlyTheBuiltInModelHasSamples() {
        CliTestSupport.Result r = CliTestSupport.run("classify", "--model", "resnet20");
        assertEquals(CliErrors.USAGE, r.exitCode());
        assertTrue(r.err().contains("no IMAGE given: only the built-in model (no --model) comes with sample images"),
                r.err());
    }

    @Test
    void badSettingsAreRejectedBeforeAnyWork() {
        CliTestSupport.Result r = CliTestSupport.run("train", "--data", "fashion-mnist", "--schedule", "linear",
                "--out", tmp.resolve("out").toString());
        assertEquals(CliErrors.ERROR, r.exitCode());
        assertTrue(r.err().contains("--schedule must be cosine or step, found 'linear'"), r.err());
        CliTestSupport.Result noData = CliTestSupport.run("train");
        assertEquals(CliErrors.USAGE, noData.exitCode());
        assertTrue(noData.err().contains("--data"), noData.err());
        CliTestSupport.Result unknown = CliTestSupport.run("train", "--data", "mnist", "--out", tmp.resolve("o").toString());
        assertEquals(CliErrors.ERROR, unknown.exitCode());
        assertTrue(unknown.err().contains("unknown data set 'mnist'"), unknown.err());
        CliTestSupport.Result augment = CliTestSupport.run("train", "--data", "fashion-mnist", "--augment", "rotate",
                "--out", tmp.resolve("o").toString());
        assertEquals(CliErrors.ERROR, augment.exitCode());
        assertTrue(augment.err().contains("--augment must be one of default, none, flip, crop, crop-flip, crop-flip-erase; found 'rotate'"),
                augment.err());
        CliTestSupport.Result padding = CliTestSupport.run("train", "--data", "fashion-mnist", "--crop-padding", "-1",
                "--out", tmp.resolve("o").toString());
        assertEquals(CliErrors.ERROR, padding.exitCode());
        assertTrue(padding.err().contains("--crop-padding must be >= 0, found -1"), padding.err());
    }
}
