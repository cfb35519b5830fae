package io.jresnet.parquet;

import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.models.Classifier;
import io.jresnet.models.batch.ClassifiedImage;
import io.jresnet.models.batch.ResultsSink;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * A batch job's results as a Parquet data set: a folder of part files {@code part-00000.parquet},
 * {@code part-00001.parquet}, ..., which Spark, DuckDB, pandas and pyarrow read as one table. The
 * columns are the ones the Spark job writes ({@code SparkClassifier.schema}):
 * <pre>
 * path STRING, status STRING ("ok" or "error"), error STRING (null when ok),
 * labels ARRAY&lt;STRING&gt;, classes ARRAY&lt;INT&gt;, probabilities ARRAY&lt;FLOAT&gt; (top-k, most probable first),
 * embedding ARRAY&lt;FLOAT&gt; (only in a job with embeddings; null for an error row)
 * </pre>
 *
 * <p><b>Resuming.</b> A Parquet file is readable only once its footer is written, so rows go to a
 * hidden {@code .part-NNNNN.parquet.inprogress} file that is closed, forced to disk and renamed into
 * place (atomically) after {@code rowsPerPart} rows or {@code maxPartAge}, whichever comes first, and
 * at {@link #close()}. A run that is killed leaves an unfinished hidden file; the next run deletes it
 * and redoes those rows. So nothing is written twice and nothing is lost, and at most one part's
 * work is redone. The number of predictions {@code k} is kept in each file's key-value metadata
 * ({@value #K_KEY}), so a resumed job must ask for the same {@code --top} and {@code --embeddings}.
 *
 * <p>Pages are uncompressed with dictionary encoding (labels and statuses repeat): parquet-java's
 * Snappy and Zstandard codecs are native libraries, which jresnet does not ship.
 */
public final class ParquetResults implements ResultsSink {
    /** Rows per part file by default. */
    public static final int DEFAULT_ROWS_PER_PART = 50_000;
    /** The longest a part stays open by default: the most work a killed run can lose. */
    public static final Duration DEFAULT_MAX_PART_AGE = Duration.ofSeconds(60);
    /** The key-value metadata entry holding the job's predictions per image. */
    public static final String K_KEY = "jresnet.top_k";

    private static final Pattern PART = Pattern.compile("part-(\\d{5,})\\.parquet");
    private static final String IN_PROGRESS = ".inprogress";

    private final Path folder;
    private final int k;
    private final boolean embeddings;
    private final MessageType schema;
    private final int rowsPerPart;
    private final long maxPartAgeNanos;
    private final Set<String> done = new HashSet<>();
    private int nextPart;
    private ParquetWriter<ClassifiedImage> writer;
    private Path writing;
    private int rowsInPart;
    private long partOpenedAt;

    private ParquetResults(Path folder, int k, boolean embeddings, int rowsPerPart, Duration maxPartAge) {
        this.folder = folder;
        this.k = k;
        this.embeddings = embeddings;
        this.schema = schema(embeddings);
        this.rowsPerPart = rowsPerPart;
        this.maxPartAgeNanos = maxPartAge.toNanos();
    }

    /**
     * Opens the results folder with the default part size, as {@link #open(Path, int, boolean, int, Duration)}.
     *
     * @param folder the data set's folder, created if missing
     * @param k predictions per image
     * @param embeddings whether rows carry embeddings
     * @return the open results
     * @throws IOException if the folder cannot be read or written
     */
    public static ParquetResults open(Path folder, int k, boolean embeddings) throws IOException {
        return open(folder, k, embeddings, DEFAULT_ROWS_PER_PART, DEFAULT_MAX_PART_AGE);
    }

    /**
     * Creates the results folder or resumes it: deletes parts a killed run left unfinished and reads
     * the paths in the finished ones.
     *
     * @param folder the data set's folder, created if missing
     * @param k predictions per image
     * @param embeddings whether rows carry embeddings
     * @param rowsPerPart rows after which a part file is finished
     * @param maxPartAge time after which a part file is finished (checked as rows are appended)
     * @return the open results
     * @throws FormatException naming the folder or part when {@code folder} is a file, or a part is not
     *     a results file of a job with this {@code k} and {@code embeddings}
     * @throws IOException if the folder cannot be read or written
     */
    public static ParquetResults open(Path folder, int k, boolean embeddings, int rowsPerPart, Duration maxPartAge)
            throws IOException {
        if (k < 1) throw new JResnetException("k must be at least 1, found " + k);
        if (rowsPerPart < 1) throw new JResnetException("rowsPerPart must be at least 1, found " + rowsPerPart);
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw FormatException.in(folder, "is a file; Parquet results are a folder of part files: name a new"
                    + " or earlier results folder");
        }
        Files.createDirectories(folder);
        ParquetResults r = new ParquetResults(folder, k, embeddings, rowsPerPart, maxPartAge);
        r.resume();
        return r;
    }

    /** The Parquet schema of a job's rows: Spark's three-level lists, so every reader sees arrays. */
    static MessageType schema(boolean embeddings) {
        return MessageTypeParser.parseMessageType("message jresnet_results {\n"
                + "  required binary path (STRING);\n"
                + "  required binary status (STRING);\n"
                + "  optional binary error (STRING);\n"
                + "  required group labels (LIST) { repeated group list { required binary element (STRING); } }\n"
                + "  required group classes (LIST) { repeated group list { required int32 element; } }\n"
                + "  required group probabilities (LIST) { repeated group list { required float element; } }\n"
                + (embeddings ? "  optional group embedding (LIST) { repeated group list { required float element; } }\n" : "")
                + "}");
    }

    private void resume() throws IOException {
        List<Path> parts = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.startsWith(".part-") && name.endsWith(IN_PROGRESS)) {
                    Files.delete(f); // an unfinished part of a killed run: its rows are redone
                    continue;
                }
                Matcher m = PART.matcher(name);
                if (m.matches()) {
                    parts.add(f);
                    nextPart = Math.max(nextPart, Integer.parseInt(m.group(1)) + 1);
                }
            }
        }
        parts.sort(null);
        for (Path part : parts) readPaths(part);
    }

    /** Checks a finished part against this job and adds its paths to {@link #done}. */
    private void readPaths(Path part) throws IOException {
        PartFile file = PartFile.open(part);
        FileMetaData meta = file.metadata();
        if (!meta.getSchema().equals(schema) || !String.valueOf(k).equals(meta.getKeyValueMetaData().get(K_KEY))) {
            throw FormatException.in(part, "holds the results of another job (written with "
                    + meta.getKeyValueMetaData().getOrDefault(K_KEY, "no") + " predictions per image"
                    + (meta.getSchema().containsField("embedding") ? " and embeddings" : "") + "): resume with the"
                    + " same --top and --embeddings, or start a new folder");
        }
        done.addAll(file.paths());
    }

    @Override
    public Set<String> done() {
        return Set.copyOf(done);
    }

    /**
     * Appends rows to the part in progress, finishing it when it is full or old enough.
     *
     * @param rows the rows, in order
     * @throws IOException if they cannot be written
     */
    @Override
    public void append(List<ClassifiedImage> rows) throws IOException {
        if (rows.isEmpty()) return;
        if (writer == null) startPart();
        for (ClassifiedImage row : rows) {
            if (embeddings && row.ok() && row.embedding() == null) {
                throw new JResnetException(folder + ": the row of " + row.path() + " has no embedding in a job with"
                        + " embeddings");
            }
            writer.write(row);
            done.add(row.path());
        }
        rowsInPart += rows.size();
        if (rowsInPart >= rowsPerPart || System.nanoTime() - partOpenedAt >= maxPartAgeNanos) finishPart();
    }

    private void startPart() throws IOException {
        String name = String.format("part-%05d.parquet", nextPart++);
        writing = folder.resolve("." + name + IN_PROGRESS);
        OutputFile file = new LocalOutputFile(writing);
        writer = new RowWriterBuilder(file, schema, k)
                .withConf(new PlainParquetConfiguration())
                .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withRowGroupSize(64L << 20)
                // The layout PartFile reads back on resume: plain version-1 pages for the paths.
                .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
                .withDictionaryEncoding("path", false)
                .build();
        rowsInPart = 0;
        partOpenedAt = System.nanoTime();
    }

    /** Writes the footer, forces the file and renames it into place, then forces the folder entry. */
    private void finishPart() throws IOException {
        writer.close();
        writer = null;
        try (FileChannel ch = FileChannel.open(writing, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        String name = writing.getFileName().toString();
        Path finished = folder.resolve(name.substring(1, name.length() - IN_PROGRESS.length()));
        Files.move(writing, finished, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true); // the rename itself must survive a crash
        } catch (IOException | UnsupportedOperationException e) {
            // Some file systems cannot open a folder as a channel; the rename is still atomic there.
        }
        writing = null;
    }

    /** Finishes the part in progress, if any. */
    @Override
    public void close() throws IOException {
        if (writer != null) finishPart();
    }

    /** Writes {@link ClassifiedImage}s as rows of {@link #schema}. */
    private static final class RowWriteSupport extends WriteSupport<ClassifiedImage> {
        private final MessageType schema;
        private final int k;
        private RecordConsumer out;

        RowWriteSupport(MessageType schema, int k) {
            this.schema = schema;
            this.k = k;
        }

        @Override
        public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
            return init((ParquetConfiguration) null);
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(schema, Map.of(K_KEY, String.valueOf(k)));
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            out = recordConsumer;
        }

        @Override
        public void write(ClassifiedImage row) {
            out.startMessage();
            string(0, "path", row.path());
            string(1, "status", row.ok() ? "ok" : "error");
            if (!row.ok()) string(2, "error", row.error());
            List<Classifier.Prediction> top = row.top();
            list(3, "labels", top.size(), i -> out.addBinary(Binary.fromString(top.get(i).label())));
            list(4, "classes", top.size(), i -> out.addInteger(top.get(i).index()));
            list(5, "probabilities", top.size(), i -> out.addFloat(top.get(i).probability()));
            if (row.embedding() != null && schema.containsField("embedding")) {
                float[] e = row.embedding();
                list(6, "embedding", e.length, i -> out.addFloat(e[i]));
            }
            out.endMessage();
        }

        private void string(int index, String field, String value) {
            out.startField(field, index);
            out.addBinary(Binary.fromString(value));
            out.endField(field, index);
        }

        /** A three-level LIST: group {repeated group list {element}}; an empty list has no "list" field. */
        private void list(int index, String field, int size, IntConsumer element) {
            out.startField(field, index);
            out.startGroup();
            if (size > 0) {
                out.startField("list", 0);
                for (int i = 0; i < size; i++) {
                    out.startGroup();
                    out.startField("element", 0);
                    element.accept(i);
                    out.endField("element", 0);
                    out.endGroup();
                }
                out.endField("list", 0);
            }
            out.endGroup();
            out.endField(field, index);
        }
    }

    private static final class RowWriterBuilder extends ParquetWriter.Builder<ClassifiedImage, RowWriterBuilder> {
        private final MessageType schema;
        private final int k;

        RowWriterBuilder(OutputFile file, MessageType schema, int k) {
            super(file);
            this.schema = schema;
            this.k = k;
        }

        @Override
        protected RowWriterBuilder self() {
            return this;
        }

        @Override
        protected WriteSupport<ClassifiedImage> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
            return new RowWriteSupport(schema, k);
        }

        @Override
        protected WriteSupport<ClassifiedImage> getWriteSupport(ParquetConfiguration conf) {
            return new RowWriteSupport(schema, k);
        }
    }

    @Override
    public String toString() {
        return "ParquetResults[" + folder + ", k=" + k + (embeddings ? ", embeddings" : "") + "]";
    }
}
