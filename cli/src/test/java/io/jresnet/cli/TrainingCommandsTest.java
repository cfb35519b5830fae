package io.jresnet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jresnet.models.FashionMnistData;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.models.io.SafeTensors;
import io.jresnet.cli.train.Checkpoint;
import io.jresnet.cli.train.DegradationExperiment;
import io.jresnet.cli.train.EpochMetrics;
import io.jresnet.cli.train.TrainingConfig;
import io.jresnet.cli.train.TrainingRun;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Tensor;
import io.jresnet.train.data.Augmentation;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train}, {@code evaluate} and {@code experiment degradation} on tiny subsets of Fashion-MNIST
 * (ResNet-8 and plain-8, a few dozen images, one or two epochs), so each finishes in seconds even on
 * the reference GEMM. Without the data set these are skipped, except under CI (CI=true), where a
 * missing data set fails.
 */
class TrainingCommandsTest {
    static final Path FASHION_MNIST = FashionMnistData.DIR;

    @TempDir
    Path tmp;

    @BeforeAll
    static void requireFashionMnist() {
        FashionMnistData.require();
    }

    @Test
    void trainWritesMetricsCurvesWeightsAndCheckpointAndEvaluateReadsTheWeights() throws IOException {
        Path out = tmp.resolve("run");
        CliTestSupport.Result r = CliTestSupport.run("train", "--data", "fashion-mnist", "--model", "resnet8",
                "--epochs", "1", "--batch", "16", "--subset", "48", "--out", out.toString(), "--threads", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("epoch 1/1 ["), r.err()); // the progress line
        assertTrue(r.err().contains("img/s") && r.err().contains("ETA"), r.err());
        assertEquals(out.resolve("model.safetensors").toString(), r.out().strip());

        List<String> csv = Files.readAllLines(out.resolve(TrainingRun.METRICS_FILE));
        assertEquals(List.of("epoch,train_loss,train_error,test_error,seconds,lr"), csv.subList(0, 1));
        assertEquals(2, csv.size(), csv.toString());
        EpochMetrics m = EpochMetrics.read(out.resolve(TrainingRun.METRICS_FILE)).getFirst();
        assertEquals(1, m.epoch());
        assertTrue(m.trainLoss() > 0 && m.testError() >= 0 && m.testError() <= 1, m.toString());
        assertPng(out.resolve(TrainingRun.CURVES_FILE));
        assertTrue(Files.isRegularFile(out.resolve(Checkpoint.JSON_FILE)));

        ResNet net = ModelFiles.load(out.resolve("model.safetensors"));
        assertEquals(1, net.spec().inChannels());
        assertEquals(10, net.spec().numClasses());

        CliTestSupport.Result e = CliTestSupport.run("evaluate", "--model", out.resolve("model.safetensors").toString(),
                "--data", "fashion-mnist", "--subset", "40", "--json");
        assertEquals(0, e.exitCode(), e.err());
        JsonNode json = CliJson.mapper().readTree(e.out());
        assertEquals(40, json.get("samples").asInt());
        double accuracy = json.get("accuracy").asDouble();
        assertTrue(accuracy >= 0 && accuracy <= 1, e.out());
        int total = 0, diagonal = 0;
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 10; j++) total += json.get("confusion").get(i).get(j).asInt();
            diagonal += json.get("confusion").get(i).get(i).asInt();
        }
        assertEquals(40, total);
        assertEquals(accuracy, diagonal / 40.0, 1e-12);

        CliTestSupport.Result text = CliTestSupport.run("evaluate", "--model", out.resolve("model.safetensors").toString(),
                "--data", "fashion-mnist", "--subset", "40");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().startsWith("accuracy ") && text.out().contains("Ankle boot"), text.out());
    }

    @Test
    void twoEpochsEqualOneEpochThenAResumedOne() throws IOException {
        Path straight = tmp.resolve("straight"), interrupted = tmp.resolve("interrupted");
        String[] settings = {"--data", "fashion-mnist", "--model", "resnet8", "--epochs", "2", "--batch", "8",
            "--subset", "24", "--lr", "0.05", "--schedule", "step", "--seed", "7", "--threads", "1"};
        CliTestSupport.Result a = CliTestSupport.run(concat(new String[] {"train"}, settings, "--out", straight.toString()));
        assertEquals(0, a.exitCode(), a.err());

        // The same run, stopped after its first epoch (as a kill between epochs would)...
        TrainingConfig config = new TrainingConfig("fashion-mnist", null, "resnet8", 2, 8, 0.05, "step", 0, 24, 7, 1);
        TrainingRun first = TrainingRun.start(config, interrupted);
        class Interrupted extends RuntimeException {}
        assertThrows(Interrupted.class, () -> first.run(new TrainingRun.Listener() {
            @Override
            public void epochDone(EpochMetrics m) {
                throw new Interrupted();
            }
        }));
        assertEquals(1, EpochMetrics.read(interrupted.resolve(TrainingRun.METRICS_FILE)).size());
        // ...then resumed from the command line.
        CliTestSupport.Result b = CliTestSupport.run("train", "--resume", interrupted.toString());
        assertEquals(0, b.exitCode(), b.err());
        assertTrue(b.err().contains("resuming " + interrupted + " after epoch 1 of 2"), b.err());

        Map<String, Tensor> expected = SafeTensors.read(straight.resolve("model.safetensors")).tensors();
        Map<String, Tensor> actual = SafeTensors.read(interrupted.resolve("model.safetensors")).tensors();
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, t) -> assertArrayEquals(t.toArray(), actual.get(name).toArray(), name));
        List<EpochMetrics> ma = EpochMetrics.read(straight.resolve(TrainingRun.METRICS_FILE));
        List<EpochMetrics> mb = EpochMetrics.read(interrupted.resolve(TrainingRun.METRICS_FILE));
        assertEquals(2, mb.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(ma.get(i).trainLoss(), mb.get(i).trainLoss(), 0.0);
            assertEquals(ma.get(i).testError(), mb.get(i).testError(), 0.0);
        }
        // only the newest checkpoint's tensors are kept
        try (var files = Files.list(interrupted)) {
            assertEquals(List.of("checkpoint-epoch-2.safetensors"), files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("checkpoint-epoch-")).toList());
        }
    }

    @Test
    void resumingAFinishedRunTrainsNothingAndResumeRejectsOtherSettings() throws IOException {
        Path out = tmp.resolve("run");
        assertEquals(0, CliTestSupport.run("train", "--data", "fashion-mnist", "--model", "plain8", "--epochs", "1",
                "--batch", "8", "--subset", "16", "--out", out.toString()).exitCode());
        byte[] weights = Files.readAllBytes(out.resolve("model.safetensors"));
        CliTestSupport.Result again = CliTestSupport.run("train", "--resume", out.toString());
        assertEquals(0, again.exitCode(), again.err());
        assertArrayEquals(weights, Files.readAllBytes(out.resolve("model.safetensors")));

        CliTestSupport.Result mixed = CliTestSupport.run("train", "--resume", out.toString(), "--epochs", "3");
        assertEquals(CliErrors.USAGE, mixed.exitCode());
        assertTrue(mixed.err().contains("--epochs cannot be combined with --resume"), mixed.err());

        CliTestSupport.Result reuse = CliTestSupport.run("train", "--data", "fashion-mnist", "--model", "plain8",
                "--out", out.toString());
        assertEquals(CliErrors.ERROR, reuse.exitCode());
        assertTrue(reuse.err().contains("already holds a training run; continue it with --resume"), reuse.err());
    }

    @Test
    void degradationExperimentWritesTheFigureAndTheTable() throws IOException {
        Path out = tmp.resolve("degradation");
        CliTestSupport.Result r = CliTestSupport.run("experiment", "degradation", "--data", "fashion-mnist", "--epochs",
                "1", "--batch", "16", "--subset", "32", "--depths", "8", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertPng(out.resolve(DegradationExperiment.FIGURE_FILE));
        String table = Files.readString(out.resolve(DegradationExperiment.TABLE_FILE));
        assertTrue(table.contains("| plain8 | ") && table.contains("| resnet8 | "), table);
        assertTrue(table.indexOf("| plain8 |") < table.indexOf("| resnet8 |"), table);
        for (String net : List.of("plain8", "resnet8")) {
            assertTrue(Files.isRegularFile(out.resolve(net).resolve(TrainingRun.METRICS_FILE)), net);
            assertFalse(ModelFiles.load(out.resolve(net).resolve("model.safetensors")).spec().name().isEmpty());
        }
    }

    /** The recipe options reach every net's saved settings and the table's settings line. */
    @Test
    void degradationRecipeOptionsAreSavedWithEveryNet() throws IOException {
        Path out = tmp.resolve("recipe");
        CliTestSupport.Result r = CliTestSupport.run("experiment", "degradation", "--data", "fashion-mnist", "--epochs",
                "2", "--batch", "16", "--subset", "32", "--depths", "8,14", "--schedule", "step", "--warmup-epochs", "1",
                "--augment", "crop-flip", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        String table = Files.readString(out.resolve(DegradationExperiment.TABLE_FILE));
        assertTrue(table.contains("(step, after 1 warm-up epoch(s) at a tenth), augmentation crop-flip"), table);
        for (String net : List.of("plain8", "plain14", "resnet8", "resnet14")) {
            assertTrue(table.contains("| " + net + " | "), table);
            try (TrainingRun run = TrainingRun.resume(out.resolve(net), 1)) {
                assertEquals(1, run.config().warmupEpochs(), net);
                assertEquals("step", run.config().schedule(), net);
                assertEquals("crop-flip", run.config().augment(), net);
            }
        }
        CliTestSupport.Result tooLong = CliTestSupport.run("experiment", "degradation", "--data", "fashion-mnist",
                "--epochs", "2", "--warmup-epochs", "2", "--subset", "32", "--depths", "8", "--out",
                tmp.resolve("x").toString());
        assertEquals(CliErrors.ERROR, tooLong.exitCode());
        assertTrue(tooLong.err().contains("--warmup-epochs must be"), tooLong.err());
    }

    /** A warm-up in epochs runs at a tenth of the rate for exactly those epochs' iterations. */
    @Test
    void warmupEpochsCountWholeEpochsOfIterations() {
        TrainingConfig c = new TrainingConfig("fashion-mnist", null, "resnet8", 4, 16, 0.1, "step", 3, 0, 1, 1, null, 0, 1);
        var schedule = c.learningRateSchedule(10);
        assertEquals(0.01, schedule.rate(12), 1e-12, "3 iterations + 1 epoch of 10");
        assertEquals(0.1, schedule.rate(13), 1e-12);
    }

    @Test
    void aRepeatedDegradationExperimentReusesFinishedNetsAndRefusesOtherSettings() throws IOException {
        Path out = tmp.resolve("degradation");
        String[] args = {"experiment", "degradation", "--data", "fashion-mnist", "--epochs", "1", "--batch", "16",
            "--subset", "32", "--depths", "8", "--out", out.toString()};
        assertEquals(0, CliTestSupport.run(args).exitCode());
        byte[] plain = Files.readAllBytes(out.resolve("plain8").resolve("model.safetensors"));
        // as if interrupted during the second net: its run is gone, the first one is kept
        try (var files = Files.walk(out.resolve("resnet8"))) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        CliTestSupport.Result again = CliTestSupport.run(args);
        assertEquals(0, again.exitCode(), again.err());
        assertFalse(again.err().contains("plain8 epoch 1/1 ["), "plain8 was trained again: " + again.err());
        assertTrue(again.err().contains("resnet8 epoch 1/1 ["), again.err());
        assertArrayEquals(plain, Files.readAllBytes(out.resolve("plain8").resolve("model.safetensors")));
        assertTrue(Files.readString(out.resolve(DegradationExperiment.TABLE_FILE)).contains("| resnet8 | "));

        args[9] = "48"; // another --subset: the saved runs do not belong to this experiment
        CliTestSupport.Result other = CliTestSupport.run(args);
        assertEquals(CliErrors.ERROR, other.exitCode());
        assertTrue(other.err().contains("holds a run with other settings"), other.err());
    }

    @Test
    void augmentationIsASavedSettingOfTheRun() throws IOException {
        Path out = tmp.resolve("augmented");
        CliTestSupport.Result r = CliTestSupport.run("train", "--data", "fashion-mnist", "--model", "resnet8",
                "--epochs", "1", "--batch", "8", "--subset", "16", "--augment", "crop-flip-erase", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        TrainingConfig saved = Checkpoint.load(out).config();
        assertEquals("crop-flip-erase", saved.augment());
        assertEquals(new Augmentation(2, true, 0.5), saved.augmentation());
        CliTestSupport.Result mixed = CliTestSupport.run("train", "--resume", out.toString(), "--augment", "none");
        assertEquals(CliErrors.USAGE, mixed.exitCode());
        assertTrue(mixed.err().contains("--augment cannot be combined with --resume"), mixed.err());
    }

    private static void assertPng(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, file + " is not an image");
        assertTrue(image.getWidth() >= 600 && image.getHeight() >= 400, image.toString());
    }

    private static String[] concat(String[] a, String[] b, String... c) {
        String[] all = new String[a.length + b.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        System.arraycopy(c, 0, all, a.length + b.length, c.length);
        return all;
    }
}
