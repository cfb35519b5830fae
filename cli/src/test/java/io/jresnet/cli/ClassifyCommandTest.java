package io.jresnet.cli;

import static io.jresnet.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import io.jresnet.backend.CompiledModel;
import io.jresnet.models.Zoo;
import io.jresnet.models.image.Labels;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.nn.ResNet;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifyCommandTest {
    @TempDir
    Path dir;

    private Path image(String name, int seed) throws Exception {
        BufferedImage img = new BufferedImage(40, 36, BufferedImage.TYPE_INT_RGB);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int y = 0; y < 36; y++) for (int x = 0; x < 40; x++) img.setRGB(x, y, r.nextInt(1 << 24));
        Path f = dir.resolve(name);
        ImageIO.write(img, "png", f.toFile());
        return f;
    }

    @Test
    void printsTopKWithTheModelsOwnRanking() throws Exception {
        ResNet net = Zoo.build("resnet20", 4);
        Path weights = dir.resolve("r20.safetensors");
        ModelFiles.save(net, weights);
        Path a = image("a.png", 1), b = image("b.png", 2);
        CliTestSupport.Result r = run("classify", "--model", weights.toString(), "--top", "3", "--backend", "reference",
                a.toString(), b.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(8, lines.size(), r.out()); // per image: its name and three labels
        assertEquals(a + ":", lines.get(0));

        Tensor x = Preprocessing.CIFAR10.loadBatch(List.of(a, b));
        Tensor logits;
        try (CompiledModel e = new ReferenceBackend().compile(net.plan(x.shape()))) {
            logits = e.run(x);
        }
        int best = 0;
        for (int c = 1; c < 10; c++) if (logits.get(0, c) > logits.get(0, best)) best = c;
        String cifar = Labels.load("cifar10").get(best);
        assertTrue(lines.get(1).endsWith(cifar + " (" + best + ")"), lines.get(1) + " should name " + cifar);
    }

    /**
     * A PyTorch checkpoint written by torch.save (a state dict, no metadata: the architecture is
     * matched by its weights) classifies exactly as the same weights saved as safetensors.
     */
    @Test
    void aPyTorchCheckpointClassifiesLikeItsSafetensorsTwin() throws Exception {
        Path pth = dir.resolve("resnet20-fashion.pth");
        try (var in = ModelFiles.class.getResourceAsStream("pth/resnet20-fashion.pth")) {
            Files.copy(in, pth);
        }
        Path twin = dir.resolve("twin.safetensors");
        ModelFiles.save(ModelFiles.load(pth), twin);
        Path a = image("a.png", 3), b = image("b.png", 4);
        CliTestSupport.Result fromPth = run("classify", "--model", pth.toString(), "--top", "3", "--backend", "reference",
                a.toString(), b.toString());
        CliTestSupport.Result fromTwin = run("classify", "--model", twin.toString(), "--top", "3", "--backend",
                "reference", a.toString(), b.toString());
        assertEquals(0, fromPth.exitCode(), fromPth.err());
        assertEquals(fromTwin.out(), fromPth.out());
        String firstLabel = fromPth.out().lines().skip(1).findFirst().orElseThrow();
        assertTrue(Labels.load("fashion-mnist").stream().anyMatch(l -> firstLabel.contains(l + " (")),
                "one input channel: Fashion-MNIST labels: " + fromPth.out());
    }

    /** A folder into a CSV file, with an unreadable image among them; run again, nothing is redone. */
    @Test
    void aFolderIsClassifiedIntoAResultsFileAndASecondRunResumes() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("photos"));
        Files.move(image("a.png", 5), folder.resolve("a.png"));
        Files.createDirectories(folder.resolve("sub"));
        Files.move(image("b.png", 6), folder.resolve("sub/b.png"));
        Files.write(folder.resolve("sub/c.png"), new byte[] {1, 2, 3});
        Path results = dir.resolve("results.csv");
        CliTestSupport.Result first = run("classify", "--input", folder.toString(), "--output", results.toString(),
                "--top", "2", "--batch", "2", "--backend", "reference");
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.out().contains("3 images; 2 classified, 1 unreadable (error rows), 0 already there"), first.out());
        List<String> rows = Files.readAllLines(results);
        assertEquals(4, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(3).startsWith(folder.resolve("sub/c.png") + ",error,"), rows.get(3));
        CliTestSupport.Result again = run("classify", "--input", folder.toString(), "--output", results.toString(),
                "--top", "2", "--backend", "reference");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("3 images; 0 classified, 0 unreadable (error rows), 3 already there"), again.out());
        assertEquals(rows, Files.readAllLines(results));
        CliTestSupport.Result both = run("classify", "--input", folder.toString(), folder.resolve("a.png").toString());
        assertEquals(2, both.exitCode(), "IMAGE files and --input together are a usage error");
    }

    /** The same job into Parquet: a folder of part files that a second run resumes. */
    @Test
    void aFolderIsClassifiedIntoParquetAndASecondRunResumes() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("pq-photos"));
        Files.move(image("a.png", 5), folder.resolve("a.png"));
        Files.move(image("b.png", 6), folder.resolve("b.png"));
        Files.write(folder.resolve("c.png"), new byte[] {1, 2, 3});
        Path results = dir.resolve("results.parquet");
        CliTestSupport.Result first = run("classify", "--input", folder.toString(), "--output", results.toString(),
                "--embeddings", "--batch", "2", "--backend", "reference");
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.out().contains("3 images; 2 classified, 1 unreadable (error rows), 0 already there"), first.out());
        assertTrue(Files.isRegularFile(results.resolve("part-00000.parquet")), "a finished part");
        assertEquals("", first.err(), "nothing from parquet-java's logging");
        CliTestSupport.Result again = run("classify", "--input", folder.toString(), "--output", results.toString(),
                "--embeddings", "--backend", "reference");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("3 images; 0 classified, 0 unreadable (error rows), 3 already there"), again.out());
        CliTestSupport.Result otherJob = run("classify", "--input", folder.toString(), "--output", results.toString(),
                "--backend", "reference");
        assertEquals(1, otherJob.exitCode(), "without --embeddings it is another job");
        assertTrue(otherJob.err().contains("same --top and --embeddings"), otherJob.err());
    }

    @Test
    void embeddingsGoIntoTheRowsOfABatchJobOnly() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("few"));
        Files.move(image("a.png", 7), folder.resolve("a.png"));
        Path results = dir.resolve("e.jsonl");
        CliTestSupport.Result r = run("classify", "--input", folder.toString(), "--output", results.toString(),
                "--embeddings", "--backend", "reference");
        assertEquals(0, r.exitCode(), r.err());
        com.fasterxml.jackson.databind.JsonNode row = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Files.readAllLines(results).getFirst());
        assertEquals(64, row.get("embedding").size(), "the built-in ResNet-20's pooled features");
        assertEquals(2, run("classify", "--embeddings", folder.resolve("a.png").toString()).exitCode());
    }

    @Test
    void badImageIsOneLineNamingTheFile() throws Exception {
        Path junk = dir.resolve("junk.png");
        Files.write(junk, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0});
        CliTestSupport.Result r = run("classify", "--model", "resnet20", "--backend", "reference", junk.toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("junk.png"), r.err());
    }
}
