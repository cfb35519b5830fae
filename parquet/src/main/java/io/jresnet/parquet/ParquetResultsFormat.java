package io.jresnet.parquet;

import io.jresnet.models.batch.ResultsFormat;
import io.jresnet.models.batch.ResultsSink;
import java.io.IOException;
import java.nio.file.Path;

/** {@code .parquet} results for {@link ResultsSink#open}: a {@link ParquetResults} folder. */
public final class ParquetResultsFormat implements ResultsFormat {
    @Override
    public String extension() {
        return "parquet";
    }

    @Override
    public ResultsSink open(Path output, int k, boolean embeddings) throws IOException {
        return ParquetResults.open(output, k, embeddings);
    }
}
