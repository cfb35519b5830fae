package io.jresnet.parquet;

import static io.jresnet.parquet.ParquetResultsTest.error;
import static io.jresnet.parquet.ParquetResultsTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.FormatException;
import io.jresnet.models.batch.ClassifiedImage;
import io.jresnet.models.batch.ResultsSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user's class path has: parquet-java without Hadoop (the pom runs this class in its own
 * Surefire execution, with the Hadoop jars left off). Writing, finding the format and resuming must
 * all work there.
 */
class WithoutHadoopTest {
    @TempDir
    Path dir;

    @Test
    void hadoopIsNotThere() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.hadoop.conf.Configuration"));
    }

    @Test
    void aJobIsWrittenKilledAndResumedThroughResultsSink() throws IOException {
        Path folder = dir.resolve("r.parquet");
        List<ClassifiedImage> all = new ArrayList<>();
        for (int i = 0; i < 9; i++) all.add(i == 4 ? error("img-" + i) : ok("dir/ïmg, " + i + ".png", i, null));
        ResultsSink first = ResultsSink.open(folder, 3, false);
        assertInstanceOf(ParquetResults.class, first, "found through ServiceLoader");
        first.append(all.subList(0, 5));
        first.close();
        // A second run is killed while it writes (never closed): its rows are not kept.
        ResultsSink killed = ResultsSink.open(folder, 3, false);
        assertEquals(5, killed.done().size());
        killed.append(all.subList(5, 7));
        try (ResultsSink resumed = ResultsSink.open(folder, 3, false)) {
            assertEquals(5, resumed.done().size(), "only finished parts count");
            resumed.append(all.subList(5, 9));
        }
        List<String> paths = new ArrayList<>();
        try (var parts = Files.list(folder)) {
            for (Path part : parts.sorted().toList()) paths.addAll(PartFile.open(part).paths());
        }
        assertEquals(all.stream().map(ClassifiedImage::path).toList(), paths, "every row once, in order");
    }

    @Test
    void aPartThatIsNotOursIsRefusedNamingIt() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("r.parquet"));
        Files.write(folder.resolve("part-00000.parquet"), "PAR1 not really".getBytes());
        FormatException e = assertThrows(FormatException.class, () -> ResultsSink.open(folder, 3, false));
        assertTrue(e.getMessage().contains("part-00000.parquet"), e.getMessage());
    }
}
