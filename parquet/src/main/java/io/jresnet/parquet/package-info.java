/**
 * Parquet results for batch classification: {@link io.jresnet.parquet.ParquetResults}, registered
 * as a {@link io.jresnet.models.batch.ResultsFormat} so that {@code ./jresnet classify --output
 * DIR.parquet} and {@link io.jresnet.models.batch.ResultsSink#open} find it on the class path.
 */
package io.jresnet.parquet;
