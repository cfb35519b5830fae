package io.jresnet.spark;

import io.jresnet.FormatException;
import io.jresnet.models.Classifier;
import io.jresnet.models.batch.ClassifiedImage;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Batch classification on Apache Spark, as a library:
 * <ul>
 *   <li>{@link #classifyFiles}: a directory or glob of image files (Spark's {@code binaryFile}
 *       source, recursive, JPEG/PNG/BMP/GIF) to one result row per image;</li>
 *   <li>{@link #classify}: any table with a path (or key) column and an image-bytes column;</li>
 *   <li>{@link #registerFunction}: {@code jresnet_classify(bytes)} as a Spark SQL function, for a
 *       user's own queries and pipelines (one image per call: the batch API is faster).</li>
 * </ul>
 * Result rows: {@code path, status ("ok" or "error"), error, labels, classes, probabilities} (top-k,
 * most probable first) and, when asked for, {@code embedding}. The work is a {@code mapPartitions}:
 * rows stay on the executors (nothing is collected to the driver), each executor opens and compiles
 * the model once ({@link ExecutorModels}) and classifies its partitions in batches.
 */
public final class SparkClassifier {
    /** The SQL function {@link #registerFunction} registers. */
    public static final String FUNCTION = "jresnet_classify";

    private SparkClassifier() {}

    /**
     * {@return one result row per image file under {@code input}}
     *
     * @param spark the session
     * @param input a directory (read recursively) or a glob of image files, any file system Spark reads
     * @param options the model and the result's shape
     */
    public static Dataset<Row> classifyFiles(SparkSession spark, String input, ClassifyOptions options) {
        return classify(imageFiles(spark, input), "path", "content", options);
    }

    /**
     * {@return Spark's {@code binaryFile} table (path, content, ...) of the image files under {@code input}}
     *
     * @param spark the session
     * @param input a directory (read recursively) or a glob
     */
    public static Dataset<Row> imageFiles(SparkSession spark, String input) {
        return spark.read().format("binaryFile")
                .option("pathGlobFilter", "*.{jpg,jpeg,png,bmp,gif,JPG,JPEG,PNG,BMP,GIF}")
                .option("recursiveFileLookup", "true")
                .load(input);
    }

    /**
     * {@return one result row per input row}
     *
     * @param images a table with the images
     * @param pathColumn a string column naming each image (a path or a key), copied to the result
     * @param bytesColumn a binary column with each image file's bytes
     * @param options the model and the result's shape
     */
    public static Dataset<Row> classify(Dataset<Row> images, String pathColumn, String bytesColumn,
                                        ClassifyOptions options) {
        return images.select(pathColumn, bytesColumn)
                .mapPartitions(new ClassifyPartition(options), Encoders.row(schema(options)));
    }

    /**
     * Registers {@value #FUNCTION}{@code (bytes)}: the struct {@code status, error, labels, classes,
     * probabilities} of one image.
     *
     * @param spark the session
     * @param options the model and how many classes
     */
    public static void registerFunction(SparkSession spark, ClassifyOptions options) {
        ClassifyOptions one = new ClassifyOptions(options.model(), options.top(), 1, false);
        UDF1<byte[], Row> f = bytes -> {
            Tensor image = null;
            String error = null;
            try {
                image = ExecutorModels.preprocessing(one.model()).apply(Preprocessing.read(bytes, FUNCTION + " argument"));
            } catch (FormatException e) {
                error = e.getMessage();
            }
            Row r = row(one, ExecutorModels.classify(one, List.of(FUNCTION), java.util.Arrays.asList(image),
                    java.util.Arrays.asList(error)).getFirst());
            return RowFactory.create(r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
        };
        StructType full = schema(one);
        StructType struct = new StructType(java.util.Arrays.copyOfRange(full.fields(), 1, 6));
        spark.udf().register(FUNCTION, f, struct);
    }

    /**
     * {@return the result rows' schema}
     *
     * @param options whether there is an embedding column
     */
    public static StructType schema(ClassifyOptions options) {
        List<StructField> fields = new ArrayList<>(List.of(
                DataTypes.createStructField("path", DataTypes.StringType, false),
                DataTypes.createStructField("status", DataTypes.StringType, false),
                DataTypes.createStructField("error", DataTypes.StringType, true),
                DataTypes.createStructField("labels", DataTypes.createArrayType(DataTypes.StringType, false), false),
                DataTypes.createStructField("classes", DataTypes.createArrayType(DataTypes.IntegerType, false), false),
                DataTypes.createStructField("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false),
                        false)));
        if (options.embeddings()) {
            fields.add(DataTypes.createStructField("embedding", DataTypes.createArrayType(DataTypes.FloatType, false),
                    true));
        }
        return DataTypes.createStructType(fields);
    }

    /** A result row: the top-k as parallel arrays, empty ones for an error row. */
    static Row row(ClassifyOptions options, ClassifiedImage image) {
        List<Classifier.Prediction> top = image.top();
        String[] labels = new String[top.size()];
        Integer[] classes = new Integer[top.size()];
        Float[] probabilities = new Float[top.size()];
        for (int i = 0; i < top.size(); i++) {
            labels[i] = top.get(i).label();
            classes[i] = top.get(i).index();
            probabilities[i] = top.get(i).probability();
        }
        String status = image.ok() ? "ok" : "error";
        if (!options.embeddings()) {
            return RowFactory.create(image.path(), status, image.error(), labels, classes, probabilities);
        }
        Float[] embedding = null;
        if (image.embedding() != null) {
            embedding = new Float[image.embedding().length];
            for (int i = 0; i < embedding.length; i++) embedding[i] = image.embedding()[i];
        }
        return RowFactory.create(image.path(), status, image.error(), labels, classes, probabilities, embedding);
    }
}
