package io.jresnet.models.batch;

import io.jresnet.FormatException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Where a batch job's rows go: a results file or folder that a job appends to and a later run of the
 * same job resumes. {@link ResultsFile} writes CSV and JSON Lines; other formats (Parquet, in
 * {@code jresnet-parquet}) are {@link ResultsFormat} providers found through {@link ServiceLoader}.
 */
public interface ResultsSink extends Closeable {
    /** {@return the paths whose rows are already written, so a resumed job skips them} */
    Set<String> done();

    /**
     * Appends rows. When this returns, the rows survive the process being killed, or (for a sink that
     * writes in larger units, such as Parquet's part files) are redone by the next run: a row is never
     * written twice and never lost.
     *
     * @param rows the rows, in order
     * @throws IOException if they cannot be written
     */
    void append(List<ClassifiedImage> rows) throws IOException;

    /**
     * Opens the results of a job with {@code k} predictions per image, creating them or resuming them;
     * the format comes from the name's extension: {@code .csv} and {@code .jsonl} here, any other
     * from a {@link ResultsFormat} on the class path or module path.
     *
     * @param output the file or folder
     * @param k predictions per image
     * @param embeddings whether rows carry the image's embedding
     * @return the open sink, for the caller to close
     * @throws FormatException naming {@code output} when no format has its extension, or what is there
     *     is not the results of such a job
     * @throws IOException if it cannot be read or written
     */
    static ResultsSink open(Path output, int k, boolean embeddings) throws IOException {
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv") || name.endsWith(".jsonl")) return ResultsFile.open(output, k, embeddings);
        List<String> known = new ArrayList<>(List.of("csv", "jsonl"));
        for (ResultsFormat format : ServiceLoader.load(ResultsFormat.class, ResultsSink.class.getClassLoader())) {
            if (name.endsWith("." + format.extension())) return format.open(output, k, embeddings);
            known.add(format.extension());
        }
        String hint = known.contains("parquet") ? "" : " (.parquet needs jresnet-parquet on the class path)";
        throw FormatException.in(output, "unknown results format: the name must end in ."
                + String.join(", .", known) + hint);
    }
}
