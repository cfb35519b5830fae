package io.jresnet.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jresnet.backend.Backends;
import io.jresnet.models.BuiltinModel;
import io.jresnet.models.Classifier;
import io.jresnet.models.batch.BatchClassification;
import io.jresnet.models.batch.ImageFiles;
import io.jresnet.models.batch.ResultsFile;
import io.jresnet.models.batch.ResultsSink;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job, the Dataset API and the SQL function in {@code local[2]} (up to 3 attempts per
 * task), on 48 PNG images made from the built-in model's samples (shifted and mirrored) and one
 * corrupt file, against the single-machine batch pipeline ({@code ./jresnet classify --input}'s
 * {@link BatchClassification}) on the same files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkClassifierTest {
    private static final int K = 3;
    @TempDir
    static Path dir;
    private Path images;
    private SparkSession spark;
    /** The single-machine results by absolute path. */
    private final Map<String, JsonNode> expected = new HashMap<>();

    @BeforeAll
    void setUp() throws IOException {
        images = Files.createDirectories(dir.resolve("images/nested"));
        int n = 0;
        for (BuiltinModel.Sample s : BuiltinModel.samples()) {
            for (int variant = 0; variant < 4; variant++) {
                Path sub = variant % 2 == 0 ? images : images.getParent();
                ImageIO.write(variant(s.image(), variant), "png", sub.resolve("img-" + n++ + ".png").toFile());
            }
        }
        for (int i = 0; i < 8; i++) ImageIO.write(variant(BuiltinModel.samples().get(i).image(), 4), "png",
                images.resolve("extra-" + i + ".png").toFile());
        Files.write(images.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5});

        Path results = dir.resolve("single-machine.jsonl");
        try (Classifier c = Classifier.of(BuiltinModel.load(), Backends.create(), true);
             ResultsFile out = ResultsFile.open(results, K)) {
            new BatchClassification(c, 16, K, 2).run(ImageFiles.find(images.getParent()), out, (done, all) -> { });
        }
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(results)) {
            JsonNode row = json.readTree(line);
            expected.put(Path.of(row.get("path").asText()).toAbsolutePath().toString(), row);
        }
        assertEquals(49, expected.size());
        spark = SparkSession.builder().master("local[2,3]").appName("jresnet-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    @AfterAll
    void tearDown() {
        if (spark != null) spark.stop();
    }

    /** A sample, shifted by a pixel or mirrored, so the images differ. */
    private static BufferedImage variant(BufferedImage src, int variant) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                int sx = switch (variant) {
                    case 1 -> src.getWidth() - 1 - x;
                    case 2 -> Math.min(src.getWidth() - 1, x + 1);
                    case 3 -> Math.max(0, x - 1);
                    default -> x;
                };
                int sy = variant == 4 ? src.getHeight() - 1 - y : y;
                out.getRaster().setSample(x, y, 0, src.getRaster().getSample(sx, sy, 0));
            }
        }
        return out;
    }

    /** A path as Spark's binaryFile source gives it (a file: URI) or as the CLI writes it (plain). */
    private static String localPath(String path) {
        return (path.startsWith("file:") ? Path.of(URI.create(path)) : Path.of(path)).toAbsolutePath().toString();
    }

    /** Every output row against the single-machine row of the same file. */
    private void assertMatchesSingleMachine(List<Row> rows) {
        assertEquals(expected.size(), rows.size(), "one row per image");
        assertEquals(expected.size(), rows.stream().map(r -> r.getString(0)).distinct().count(), "no duplicates");
        for (Row r : rows) {
            String path = localPath(r.getString(0));
            JsonNode want = expected.get(path);
            assertTrue(want != null, "an image the single-machine job did not see: " + path);
            assertEquals(want.get("status").asText(), r.getString(1), path);
            if (r.getString(1).equals("error")) {
                assertTrue(r.getString(2).contains("broken.png"), "the error names the file: " + r.getString(2));
                continue;
            }
            List<String> labels = r.getList(3);
            List<Integer> classes = r.getList(4);
            List<Float> probabilities = r.getList(5);
            assertEquals(K, labels.size(), path);
            for (int i = 0; i < K; i++) {
                JsonNode p = want.get("top").get(i);
                assertEquals(p.get("label").asText(), labels.get(i), path);
                assertEquals(p.get("class").asInt(), classes.get(i), path);
                assertEquals(p.get("probability").asDouble(), probabilities.get(i), 1e-5, path);
            }
        }
    }

    @Test
    void theJobWritesTheSingleMachineResultsRowForRow() {
        Path out = dir.resolve("job.parquet");
        ClassifyJob.run(spark, images.getParent().toString(), out.toString(), "parquet", 3, false,
                new ClassifyOptions(ClassifyOptions.BUILTIN, K, 8, false));
        assertMatchesSingleMachine(spark.read().parquet(out.toString()).collectAsList());
    }

    /** The CLI's Parquet output (jresnet-parquet) is a table Spark reads with the job's own schema. */
    @Test
    void sparkReadsTheSingleMachineParquetOutputWithTheJobsSchema() throws IOException {
        Path out = dir.resolve("single-machine.parquet");
        try (Classifier c = Classifier.of(BuiltinModel.load(), Backends.create(), true);
             ResultsSink sink = ResultsSink.open(out, K, true)) {
            new BatchClassification(c, 16, K, 2).withEmbeddings().run(ImageFiles.find(images.getParent()), sink,
                    (done, all) -> { });
        }
        Dataset<Row> table = spark.read().parquet(out.toString());
        // Names and types; Spark reads every Parquet column as nullable, whatever the file says.
        assertEquals(SparkClassifier.schema(new ClassifyOptions(ClassifyOptions.BUILTIN, K, 8, true)).catalogString(),
                table.schema().catalogString());
        List<Row> rows = table.collectAsList();
        assertMatchesSingleMachine(rows);
        for (Row r : rows) {
            if (r.getString(1).equals("ok")) assertEquals(64, r.getList(6).size(), localPath(r.getString(0)));
            else assertTrue(r.isNullAt(6));
        }
    }

    @Test
    void embeddingsAreThePooledFeatures() {
        List<Row> rows = SparkClassifier.classifyFiles(spark, images.getParent().toString(),
                new ClassifyOptions(ClassifyOptions.BUILTIN, K, 8, true)).collectAsList();
        assertEquals(expected.size(), rows.size());
        for (Row r : rows) {
            if (r.getString(1).equals("ok")) assertEquals(64, r.getList(6).size(), "ResNet-20 pools 64 features");
            else assertTrue(r.isNullAt(6));
        }
    }

    /** Fails every task's first attempt after it has produced rows; Spark retries it. */
    static final class FailFirstAttempt implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> input) {
            TaskContext task = TaskContext.get();
            return new Iterator<>() {
                int passed;

                @Override
                public boolean hasNext() {
                    return input.hasNext();
                }

                @Override
                public Row next() {
                    if (task.attemptNumber() == 0 && ++passed > 3) {
                        throw new IllegalStateException("simulated executor failure in partition " + task.partitionId());
                    }
                    return input.next();
                }
            };
        }
    }

    @Test
    void aRetriedTaskLeavesNoDuplicateRows() {
        Dataset<Row> files = SparkClassifier.imageFiles(spark, images.getParent().toString()).repartition(3);
        Dataset<Row> flaky = files.mapPartitions(new FailFirstAttempt(), Encoders.row(files.schema()));
        Path out = dir.resolve("retried.parquet");
        SparkClassifier.classify(flaky, "path", "content", new ClassifyOptions(ClassifyOptions.BUILTIN, K, 2, false))
                .write().parquet(out.toString());
        assertMatchesSingleMachine(spark.read().parquet(out.toString()).collectAsList());
    }

    @Test
    void theSqlFunctionGivesTheSameTopClass() {
        SparkClassifier.registerFunction(spark, new ClassifyOptions(ClassifyOptions.BUILTIN, K, 1, false));
        SparkClassifier.imageFiles(spark, images.getParent().toString()).createOrReplaceTempView("images");
        List<Row> rows = spark.sql("SELECT path, jresnet_classify(content) AS r FROM images").collectAsList();
        assertEquals(expected.size(), rows.size());
        for (Row row : rows) {
            String path = localPath(row.getString(0));
            Row r = row.getStruct(1);
            JsonNode want = expected.get(path);
            assertEquals(want.get("status").asText(), r.getString(0), path);
            if (r.getString(0).equals("ok")) {
                assertArrayEquals(new String[] {want.get("top").get(0).get("label").asText()},
                        new String[] {(String) r.getList(2).getFirst()}, path);
            } else {
                assertTrue(r.getString(1).contains("not an image"), r.getString(1));
            }
        }
    }
}
