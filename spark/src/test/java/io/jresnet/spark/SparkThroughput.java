package io.jresnet.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * Measures the Spark job in {@code local[N]} on a folder of images (not a test): the first run (the
 * model opened and compiled in this JVM, code not yet compiled by the JIT) and then warm runs,
 * each writing Parquet, as images per second of wall time.
 *
 * <p>Run (the test class path, Spark's flags as in this module's pom): {@code SparkThroughput DIR
 * [partitions] [batch] [runs] [master]}, e.g. on the Fashion-MNIST PNGs of
 * {@code bench/make-batch-images.py}.
 */
public final class SparkThroughput {
    private SparkThroughput() {}

    public static void main(String[] args) throws Exception {
        String input = args[0];
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        String master = args.length > 4 ? args[4] : "local[2]";
        SparkSession spark = SparkSession.builder().master(master).appName("jresnet-throughput")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        Path out = Files.createTempDirectory("jresnet-spark-throughput");
        ClassifyOptions options = new ClassifyOptions(ClassifyOptions.BUILTIN, 5, batch, false);
        try {
            for (int run = 0; run < runs; run++) {
                long t0 = System.nanoTime();
                ClassifyJob.run(spark, input, out.resolve("run" + run).toString(), "parquet", partitions, false, options);
                double seconds = (System.nanoTime() - t0) / 1e9;
                long rows = spark.read().parquet(out.resolve("run" + run).toString()).count();
                System.out.printf(Locale.ROOT, "run %d (%s): %d rows in %.2f s = %.1f images/s%n", run,
                        run == 0 ? "cold: model opened and compiled in this JVM" : "warm", rows, seconds, rows / seconds);
            }
            System.out.printf(Locale.ROOT, "model open + compile in this JVM (once per executor): %d ms%n",
                    ExecutorModels.openMillis(options.model()));
        } finally {
            spark.stop();
            try (var files = Files.walk(out)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
