package io.jresnet.models.batch;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A results format a batch job can write, found by {@link ResultsSink#open} through
 * {@link java.util.ServiceLoader} (a {@code provides} clause or a {@code META-INF/services} entry).
 */
public interface ResultsFormat {
    /** {@return the name ending this format claims, without the dot, e.g. {@code parquet}} */
    String extension();

    /**
     * Creates or resumes the results at {@code output}, as {@link ResultsSink#open} describes.
     *
     * @param output a path ending in {@code .}{@link #extension()}
     * @param k predictions per image
     * @param embeddings whether rows carry the image's embedding
     * @return the open sink
     * @throws IOException if it cannot be read or written
     */
    ResultsSink open(Path output, int k, boolean embeddings) throws IOException;
}
