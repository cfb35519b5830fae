package io.jresnet.models.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jresnet.FormatException;
import io.jresnet.backend.CompiledModel;
import io.jresnet.models.Classifier;
import io.jresnet.models.Zoo;
import io.jresnet.models.image.Labels;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.nn.ResNet;
import io.jresnet.plan.Graph;
import io.jresnet.plan.Op;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchClassificationTest {
    @TempDir
    Path dir;

    private Classifier classifier;
    private Path images;
    private List<Path> expected;
    private Path junk;

    @BeforeEach
    void collection() throws IOException {
        ResNet net = Zoo.build("resnet20", 7);
        classifier = new Classifier(net::toGraph, Preprocessing.CIFAR10, Labels.load("cifar10"), new ReferenceBackend(), true);
        images = Files.createDirectories(dir.resolve("images"));
        Path a = image("a/1.png", "png", 1), b = image("a/b/2.png", "png", 2), c = image("3.JPG", "jpg", 3),
                d = image("4.bmp", "bmp", 4), e = image("z/5.gif", "gif", 5);
        image(".hidden/6.png", "png", 6);
        Files.writeString(images.resolve("notes.txt"), "not an image");
        junk = Files.write(images.resolve("a/junk.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        expected = List.of(c, d, a, b, junk, e); // sorted by path: "3.JPG" < "4.bmp" < "a/..." < "z/..."
    }

    @AfterEach
    void close() {
        classifier.close();
    }

    private Path image(String name, String format, int seed) throws IOException {
        BufferedImage img = new BufferedImage(40, 36, BufferedImage.TYPE_INT_RGB);
        SplittableRandom r = new SplittableRandom(seed);
        for (int y = 0; y < 36; y++) for (int x = 0; x < 40; x++) img.setRGB(x, y, r.nextInt(1 << 24));
        Path f = images.resolve(name);
        Files.createDirectories(f.getParent());
        ImageIO.write(img, format, f.toFile());
        return f;
    }

    @Test
    void aFolderIsWalkedRecursivelyForImagesOnly() throws IOException {
        assertEquals(expected, ImageFiles.find(images));
    }

    @Test
    void aListFileNamesImagesRelativeToItself() throws IOException {
        Path list = Files.writeString(images.resolve("todo.txt"), "# two images\n3.JPG\n\n  a/b/2.png  \n"
                + images.resolve("4.bmp") + "\n");
        assertEquals(List.of(images.resolve("3.JPG"), images.resolve("a/b/2.png"), images.resolve("4.bmp")),
                ImageFiles.find(list).stream().map(Path::normalize).toList());
    }

    @Test
    void everyImageGetsARowWithWhatTheClassifierSaysAndUnreadableOnesAnErrorRow() throws IOException {
        Path out = dir.resolve("results.csv");
        BatchClassification.Summary s;
        try (ResultsFile results = ResultsFile.open(out, 3)) {
            s = new BatchClassification(classifier, 4, 3, 2).run(expected, results, (w, t) -> { });
        }
        assertEquals(6, s.total());
        assertEquals(5, s.classified());
        assertEquals(1, s.failed());
        List<String> lines = Files.readAllLines(out);
        assertEquals("path,status,error,label_1,class_1,probability_1,label_2,class_2,probability_2,label_3,class_3,"
                + "probability_3", lines.getFirst());
        assertEquals(7, lines.size());
        for (int i = 0; i < expected.size(); i++) {
            String[] f = lines.get(i + 1).split(",", -1);
            assertEquals(expected.get(i).toString(), f[0]);
            if (expected.get(i).equals(junk)) {
                assertEquals("error", f[1]);
                assertTrue(f[2].contains("junk.png"), f[2]);
                continue;
            }
            assertEquals("ok", f[1]);
            List<Classifier.Prediction> alone = classifier.classify(expected.get(i), 3);
            for (int j = 0; j < 3; j++) {
                assertEquals(alone.get(j).label(), f[3 + 3 * j]);
                assertEquals(alone.get(j).index(), Integer.parseInt(f[4 + 3 * j]));
                assertEquals(alone.get(j).probability(), Float.parseFloat(f[5 + 3 * j]), 2e-6);
            }
        }
    }

    /**
     * With embeddings, each row carries the features the classifier layer reads (what the network up
     * to that layer computes alone), and the same predictions as without.
     */
    @Test
    void embeddingsAreTheFeaturesTheClassifierLayerReads() throws IOException {
        Path jsonl = dir.resolve("e.jsonl"), csv = dir.resolve("e.csv");
        try (ResultsFile r = ResultsFile.open(jsonl, 2, true)) {
            new BatchClassification(classifier, 4, 2, 2).withEmbeddings().run(expected, r, (w, t) -> { });
        }
        try (ResultsFile r = ResultsFile.open(csv, 2, true)) {
            new BatchClassification(classifier, 4, 2, 2).withEmbeddings().run(expected, r, (w, t) -> { });
        }
        Map<String, JsonNode> rows = byPath(jsonl);
        ResNet net = Zoo.build("resnet20", 7);
        Path one = expected.getFirst();
        Tensor x = Preprocessing.CIFAR10.load(one);
        Graph g = net.toGraph(x.shape());
        Op.Linear fc = (Op.Linear) g.ops().stream()
                .filter(o -> o instanceof Op.Linear).reduce((a, b) -> b).orElseThrow();
        Tensor features;
        try (ReferenceBackend ref = new ReferenceBackend();
             CompiledModel m = ref.compile(Planner.plan(g.upTo(fc.input())))) {
            features = m.run(x);
        }
        JsonNode row = rows.get(one.toString());
        assertEquals(64, row.get("embedding").size(), "ResNet-20's pooled features");
        for (int i = 0; i < 64; i++) {
            assertEquals(features.array()[features.offset() + i], row.get("embedding").get(i).floatValue(), 1e-5, "feature " + i);
        }
        List<Classifier.Prediction> alone = classifier.classify(one, 2);
        assertEquals(alone.getFirst().index(), row.get("top").get(0).get("class").asInt());
        assertEquals(alone.getFirst().probability(), row.get("top").get(0).get("probability").floatValue(), 1e-5);
        assertTrue(rows.get(junk.toString()).get("embedding") == null, "an error row has no embedding");
        List<String> lines = Files.readAllLines(csv);
        assertTrue(lines.getFirst().endsWith(",probability_2,embedding"), lines.getFirst());
        assertEquals(64, lines.get(1).substring(lines.get(1).lastIndexOf(',') + 1).split(" ").length);
        FormatException other = assertThrows(FormatException.class, () -> ResultsFile.open(csv, 2, false));
        assertTrue(other.getMessage().contains("--embeddings"), other.getMessage());
    }

    /** An interrupted job, run again, ends with each image exactly once and the same rows as one that was not. */
    @Test
    void anInterruptedJobResumesWithNothingDoneTwiceAndNothingLost() throws IOException {
        Path whole = dir.resolve("whole.jsonl"), resumed = dir.resolve("resumed.jsonl");
        try (ResultsFile r = ResultsFile.open(whole, 2)) {
            new BatchClassification(classifier, 2, 2, 1).run(expected, r, (w, t) -> { });
        }
        try (ResultsFile r = ResultsFile.open(resumed, 2)) {
            RuntimeException stop = new IllegalStateException("killed");
            assertThrows(IllegalStateException.class, () -> new BatchClassification(classifier, 2, 2, 2)
                    .run(expected, r, (w, t) -> {
                        if (w == 4) throw stop;
                    }));
        }
        // The kill also left half a row behind.
        Files.writeString(resumed, "{\"path\": \"half", java.nio.file.StandardOpenOption.APPEND);
        BatchClassification.Summary s;
        try (ResultsFile r = ResultsFile.open(resumed, 2)) {
            assertEquals(4, r.done().size());
            s = new BatchClassification(classifier, 2, 2, 2).run(expected, r, (w, t) -> { });
        }
        assertEquals(4, s.alreadyDone());
        assertEquals(2, s.classified() + s.failed());
        assertEquals(byPath(whole), byPath(resumed));
        assertEquals(6, Files.readAllLines(resumed).size());
    }

    private static Map<String, JsonNode> byPath(Path jsonl) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> rows = new HashMap<>();
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            JsonNode row = json.readTree(line);
            assertEquals(null, rows.put(row.get("path").asText(), row), "a path written twice: " + line);
        }
        return rows;
    }

    @Test
    void aResultsFileOfAnotherJobOrFormatIsRefused() throws IOException {
        Path csv = dir.resolve("r.csv");
        try (ResultsFile r = ResultsFile.open(csv, 5)) {
            r.append(new ArrayList<>());
        }
        FormatException other = assertThrows(FormatException.class, () -> ResultsFile.open(csv, 3));
        assertTrue(other.getMessage().contains("same --top"), other.getMessage());
        FormatException parquet = assertThrows(FormatException.class, () -> ResultsFile.open(dir.resolve("r.parquet"), 3));
        assertTrue(parquet.getMessage().contains(".csv or .jsonl"), parquet.getMessage());
        // Without jresnet-parquet on the class path (as here), a .parquet output says what is missing.
        FormatException noProvider = assertThrows(FormatException.class,
                () -> ResultsSink.open(dir.resolve("r.parquet"), 3, false));
        assertTrue(noProvider.getMessage().contains("needs jresnet-parquet"), noProvider.getMessage());
        assertThrows(FormatException.class, () -> ResultsSink.open(dir.resolve("r.txt"), 3, false));
        Path notResults = Files.writeString(dir.resolve("x.jsonl"), "hello\n");
        assertThrows(FormatException.class, () -> ResultsFile.open(notResults, 3));
    }

    @Test
    void csvQuotesPathsWithCommasAndReadsThemBack() throws IOException {
        Path csv = dir.resolve("q.csv");
        String odd = "/data/a, \"b\".png";
        try (ResultsFile r = ResultsFile.open(csv, 1)) {
            r.append(List.of(new ClassifiedImage(odd, List.of(), "cannot decode")));
        }
        try (ResultsFile r = ResultsFile.open(csv, 1)) {
            assertEquals(java.util.Set.of(odd), r.done());
        }
    }
}
