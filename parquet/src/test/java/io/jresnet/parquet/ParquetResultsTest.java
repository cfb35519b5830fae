package io.jresnet.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.FormatException;
import io.jresnet.backend.Backends;
import io.jresnet.models.BuiltinModel;
import io.jresnet.models.Classifier;
import io.jresnet.models.batch.BatchClassification;
import io.jresnet.models.batch.ClassifiedImage;
import io.jresnet.models.batch.ImageFiles;
import io.jresnet.models.batch.ResultsSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ParquetResults} read back by parquet-java's own reader (with Hadoop, as Spark reads them;
 * {@link WithoutHadoopTest} covers a user's class path): rows column by column, part files rolled and
 * resumed after a simulated kill, jobs that do not match refused, and the batch pipeline writing the
 * same rows as its CSV output.
 */
class ParquetResultsTest {
    @TempDir
    Path dir;

    static ClassifiedImage ok(String path, int firstClass, float[] embedding) {
        List<Classifier.Prediction> top = List.of(
                new Classifier.Prediction(firstClass, "class " + firstClass, 0.75f),
                new Classifier.Prediction(firstClass + 1, "class, with comma", 0.2f),
                new Classifier.Prediction(firstClass + 2, "ünïcode", 0.05f));
        return new ClassifiedImage(path, top, null, embedding);
    }

    static ClassifiedImage error(String path) {
        return new ClassifiedImage(path, List.of(), "not an image in a supported format", null);
    }

    /** All rows of the folder's finished parts, by path, checking that no path appears twice. */
    private static Map<String, Group> rows(Path folder) throws IOException {
        Map<String, Group> rows = new HashMap<>();
        for (Path part : parts(folder)) {
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
                    new org.apache.hadoop.fs.Path(part.toUri())).build()) {
                for (Group g = reader.read(); g != null; g = reader.read()) {
                    assertNull(rows.put(g.getString("path", 0), g), "a path written twice: " + g.getString("path", 0));
                }
            }
        }
        return rows;
    }

    private static List<Path> parts(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().matches("part-\\d+\\.parquet")).sorted().toList();
        }
    }

    private static List<String> strings(Group row, String list) {
        Group g = row.getGroup(list, 0);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < g.getFieldRepetitionCount("list"); i++) out.add(g.getGroup("list", i).getString("element", 0));
        return out;
    }

    private static float[] floats(Group row, String list) {
        Group g = row.getGroup(list, 0);
        float[] out = new float[g.getFieldRepetitionCount("list")];
        for (int i = 0; i < out.length; i++) out[i] = g.getGroup("list", i).getFloat("element", 0);
        return out;
    }

    @Test
    void rowsReadBackColumnByColumn() throws IOException {
        Path folder = dir.resolve("r.parquet");
        float[] embedding = {0.5f, -1.25f, 3e-7f, Float.MAX_VALUE};
        try (ParquetResults r = ParquetResults.open(folder, 3, true)) {
            r.append(List.of(ok("a/b,c.png", 4, embedding), error("broken\nname.png")));
            r.append(List.of(ok("ünï/d.jpg", 0, new float[4])));
        }
        assertEquals(List.of(folder.resolve("part-00000.parquet")), parts(folder));
        try (Stream<Path> all = Files.list(folder)) {
            assertEquals(1, all.count(), "nothing but the finished part");
        }
        Map<String, Group> rows = rows(folder);
        assertEquals(3, rows.size());
        Group a = rows.get("a/b,c.png");
        assertEquals("ok", a.getString("status", 0));
        assertEquals(0, a.getFieldRepetitionCount("error"));
        assertEquals(List.of("class 4", "class, with comma", "ünïcode"), strings(a, "labels"));
        Group classes = a.getGroup("classes", 0);
        assertEquals(List.of(4, 5, 6), List.of(classes.getGroup("list", 0).getInteger("element", 0),
                classes.getGroup("list", 1).getInteger("element", 0), classes.getGroup("list", 2).getInteger("element", 0)));
        assertArrayEquals(new float[] {0.75f, 0.2f, 0.05f}, floats(a, "probabilities"));
        assertArrayEquals(embedding, floats(a, "embedding"));
        Group broken = rows.get("broken\nname.png");
        assertEquals("error", broken.getString("status", 0));
        assertEquals("not an image in a supported format", broken.getString("error", 0));
        assertEquals(List.of(), strings(broken, "labels"));
        assertEquals(0, broken.getFieldRepetitionCount("embedding"), "an error row has no embedding");
        assertArrayEquals(new float[4], floats(rows.get("ünï/d.jpg"), "embedding"));
    }

    @Test
    void partsRollAndAKilledRunIsResumedWithNothingTwiceAndNothingLost() throws IOException {
        Path folder = dir.resolve("r.parquet");
        List<ClassifiedImage> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) all.add(i % 7 == 3 ? error("img-" + i) : ok("img-" + i, i, null));
        // The first run finishes a part every 4 rows, appends in batches of 3, and is killed (never
        // closed) after 12 rows: parts of 6 and 6 rows are finished, the third batch is in progress.
        ParquetResults killed = ParquetResults.open(folder, 3, false, 4, Duration.ofHours(1));
        for (int i = 0; i < 15; i += 3) killed.append(all.subList(i, i + 3));
        assertEquals(2, parts(folder).size());
        try (Stream<Path> files = Files.list(folder)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().endsWith(".inprogress")));
        }
        // A kill can also leave an unfinished part whose footer was never written.
        Files.write(folder.resolve(".part-00007.parquet.inprogress"), new byte[] {'P', 'A', 'R', '1', 0, 0});

        try (ParquetResults resumed = ParquetResults.open(folder, 3, false, 4, Duration.ofHours(1))) {
            assertEquals(12, resumed.done().size(), "the rows of the finished parts");
            try (Stream<Path> files = Files.list(folder)) {
                assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".inprogress")));
            }
            List<ClassifiedImage> rest = all.stream().filter(r -> !resumed.done().contains(r.path())).toList();
            assertEquals(8, rest.size());
            resumed.append(rest.subList(0, 5));
            resumed.append(rest.subList(5, 8));
        }
        Map<String, Group> rows = rows(folder);
        assertEquals(20, rows.size(), "every row once");
        for (ClassifiedImage r : all) {
            Group g = rows.get(r.path());
            assertEquals(r.ok() ? "ok" : "error", g.getString("status", 0), r.path());
            if (r.ok()) assertEquals(r.top().getFirst().label(), strings(g, "labels").getFirst());
        }
        assertEquals(List.of("part-00000.parquet", "part-00001.parquet", "part-00002.parquet", "part-00003.parquet"),
                parts(folder).stream().map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void aPartIsFinishedWhenItIsOldEnough() throws IOException {
        Path folder = dir.resolve("r.parquet");
        try (ParquetResults r = ParquetResults.open(folder, 3, false, 1000, Duration.ZERO)) {
            r.append(List.of(ok("a", 1, null)));
            assertEquals(1, parts(folder).size(), "finished at once: its age is past the limit");
            r.append(List.of(ok("b", 1, null)));
            assertEquals(2, parts(folder).size());
        }
    }

    @Test
    void resultsOfAnotherJobOrNotParquetAreRefusedNamingTheFile() throws IOException {
        Path folder = dir.resolve("r.parquet");
        try (ParquetResults r = ParquetResults.open(folder, 3, false)) {
            r.append(List.of(ok("a", 1, null)));
        }
        FormatException otherK = assertThrows(FormatException.class, () -> ParquetResults.open(folder, 5, false));
        assertTrue(otherK.getMessage().contains("part-00000.parquet") && otherK.getMessage().contains("same --top"),
                otherK.getMessage());
        assertThrows(FormatException.class, () -> ParquetResults.open(folder, 3, true), "embeddings differ");

        Files.writeString(folder.resolve("part-00001.parquet"), "not parquet at all");
        FormatException corrupt = assertThrows(FormatException.class, () -> ParquetResults.open(folder, 3, false));
        assertTrue(corrupt.getMessage().contains("part-00001.parquet"), corrupt.getMessage());

        Path file = Files.writeString(dir.resolve("file.parquet"), "x");
        FormatException notFolder = assertThrows(FormatException.class, () -> ParquetResults.open(file, 3, false));
        assertTrue(notFolder.getMessage().contains("folder"), notFolder.getMessage());
    }

    @Test
    void theBatchPipelineWritesTheSameRowsAsItsCsvOutput() throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        int n = 0;
        for (BuiltinModel.Sample s : BuiltinModel.samples()) {
            ImageIO.write(s.image(), "png", images.resolve("img-" + n++ + ".png").toFile());
        }
        Files.write(images.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path csv = dir.resolve("r.csv"), parquet = dir.resolve("r.parquet");
        List<Path> files = ImageFiles.find(images);
        try (Classifier c = Classifier.of(BuiltinModel.load(), Backends.create(), true)) {
            for (Path out : List.of(csv, parquet)) {
                try (ResultsSink sink = ResultsSink.open(out, 3, false)) {
                    new BatchClassification(c, 4, 3, 2).run(files, sink, (w, t) -> { });
                }
            }
        }
        Map<String, Group> rows = rows(parquet);
        List<String> lines = Files.readAllLines(csv);
        assertEquals(lines.size() - 1, rows.size());
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            Group g = rows.get(f[0]);
            assertEquals(f[1], g.getString("status", 0), line);
            if (f[1].equals("ok")) {
                assertEquals(List.of(f[3], f[6], f[9]), strings(g, "labels"), line);
                float[] p = floats(g, "probabilities");
                for (int i = 0; i < 3; i++) assertEquals(Float.parseFloat(f[5 + 3 * i]), p[i], 1e-6f, line);
            } else {
                assertTrue(line.contains(",\"" + g.getString("error", 0) + "\""), line); // quoted: it has commas
            }
        }
    }
}
