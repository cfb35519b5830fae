package io.jresnet.spark;

import io.jresnet.JResnetException;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark job: classify every image file under a directory or glob and write one row per image to
 * a table (Parquet unless {@code --format} names another Spark source).
 *
 * <pre>
 * spark-submit --class io.jresnet.spark.ClassifyJob [Spark options] jresnet-spark.jar \
 *     --input DIR|GLOB --output PATH [--model builtin|FILE] [--top K] [--batch N] [--embeddings]
 *     [--format parquet|json|orc] [--partitions N] [--overwrite]
 * </pre>
 * A failed task is retried by Spark; its partial output is discarded by Spark's commit protocol,
 * so the table has each image once.
 */
public final class ClassifyJob {
    private ClassifyJob() {}

    /**
     * Runs the job.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) {
        String input = null, output = null, model = ClassifyOptions.BUILTIN, format = "parquet";
        int top = 5, batch = 32, partitions = 0;
        boolean embeddings = false, overwrite = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--input" -> input = value(args, ++i);
                case "--output" -> output = value(args, ++i);
                case "--model" -> model = value(args, ++i);
                case "--top" -> top = number(args, ++i);
                case "--batch" -> batch = number(args, ++i);
                case "--partitions" -> partitions = number(args, ++i);
                case "--format" -> format = value(args, ++i).toLowerCase(Locale.ROOT);
                case "--embeddings" -> embeddings = true;
                case "--overwrite" -> overwrite = true;
                default -> throw new JResnetException("unknown argument '" + args[i] + "'; usage: --input DIR|GLOB"
                        + " --output PATH [--model builtin|FILE] [--top K] [--batch N] [--embeddings]"
                        + " [--format parquet|json|orc] [--partitions N] [--overwrite]");
            }
        }
        if (input == null || output == null) throw new JResnetException("--input and --output are required");
        ClassifyOptions options = new ClassifyOptions(model, top, batch, embeddings);
        SparkSession spark = SparkSession.builder().appName("jresnet classify").getOrCreate();
        try {
            run(spark, input, output, format, partitions, overwrite, options);
        } finally {
            spark.stop();
        }
    }

    /**
     * Classifies {@code input} into {@code output}.
     *
     * @param spark the session
     * @param input a directory (recursive) or glob of image files
     * @param output the table's path
     * @param format a Spark data source that stores arrays: parquet, json, orc
     * @param partitions how many partitions to read the files into, or 0 for Spark's choice
     * @param overwrite replace an existing output (otherwise an existing one is an error)
     * @param options the model and the rows' shape
     */
    public static void run(SparkSession spark, String input, String output, String format, int partitions,
                           boolean overwrite, ClassifyOptions options) {
        Dataset<Row> files = SparkClassifier.imageFiles(spark, input);
        if (partitions > 0) files = files.repartition(partitions);
        SparkClassifier.classify(files, "path", "content", options).write()
                .mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
                .format(format)
                .save(output);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) throw new JResnetException(args[i - 1] + " needs a value");
        return args[i];
    }

    private static int number(String[] args, int i) {
        try {
            return Integer.parseInt(value(args, i));
        } catch (NumberFormatException e) {
            throw new JResnetException(args[i - 1] + " takes a whole number, found '" + args[i] + "'");
        }
    }
}
