package io.jresnet.models.batch;

import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.models.Classifier;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Classifies a collection of image files into a {@link ResultsSink} (CSV, JSON Lines or Parquet): a
 * pool of threads decodes and preprocesses the next batches while the classifier runs the current
 * one, each batch's rows are appended before the next, and a file that cannot be decoded becomes an
 * error row instead of stopping the job. Images already in the results are skipped, so a job that
 * was interrupted is finished by running it again: nothing is done twice, nothing is lost.
 */
public final class BatchClassification {
    /**
     * What a run did.
     *
     * @param total images in the collection
     * @param alreadyDone of those, found in the results file and skipped
     * @param classified classified by this run
     * @param failed written as error rows by this run
     * @param seconds this run's wall time
     */
    public record Summary(int total, int alreadyDone, int classified, int failed, double seconds) {
        /** {@return the images this run wrote per second} */
        public double imagesPerSecond() {
            return seconds > 0 ? (classified + failed) / seconds : 0;
        }
    }

    /** Told after each batch is written. */
    @FunctionalInterface
    public interface Progress {
        /**
         * Called after each batch's rows are on disk.
         *
         * @param written images this run has written so far
         * @param toWrite images this run writes in all
         */
        void written(int written, int toWrite);
    }

    private final Classifier classifier;
    private final int batch;
    private final int k;
    private final int decodeThreads;
    private boolean embeddings;

    /**
     * A job runner.
     *
     * @param classifier the classifier; its preprocessing decodes the images
     * @param batch images per batch
     * @param k predictions per image
     * @param decodeThreads threads that decode and preprocess ahead of the classifier
     */
    public BatchClassification(Classifier classifier, int batch, int k, int decodeThreads) {
        if (batch < 1 || k < 1 || decodeThreads < 1) {
            throw new JResnetException("batch " + batch + ", k " + k + " and decode threads " + decodeThreads
                    + " must all be at least 1");
        }
        this.classifier = classifier;
        this.batch = batch;
        this.k = k;
        this.decodeThreads = decodeThreads;
    }

    /**
     * Also writes each image's embedding (the features the classifier layer reads), from the same run
     * of the network.
     *
     * @return this runner
     */
    public BatchClassification withEmbeddings() {
        embeddings = true;
        return this;
    }

    /** An image as the decode step left it: preprocessed, or the reason it could not be. */
    private record Decoded(String name, Tensor image, String error) {}

    /**
     * {@return one batch decoded elsewhere (a Spark partition's, say), classified together: a row
     * per image in input order, an error row where {@code images} has null}
     *
     * @param names each image's path or key
     * @param images each image preprocessed by the classifier's preprocessing, or null
     * @param errors why each null image could not be decoded (ignored where there is an image)
     */
    public List<ClassifiedImage> classify(List<String> names, List<Tensor> images, List<String> errors) {
        List<Decoded> items = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) items.add(new Decoded(names.get(i), images.get(i), errors.get(i)));
        return classify(items);
    }

    /**
     * Classifies every image not yet in {@code out}, in order, appending its row.
     *
     * @param images the collection, e.g. from {@link ImageFiles#find}
     * @param out the results, opened for this job's {@code k}
     * @param progress told after each batch
     * @return what the run did
     * @throws IOException if the results cannot be written
     */
    public Summary run(List<Path> images, ResultsSink out, Progress progress) throws IOException {
        long start = System.nanoTime();
        Set<String> done = out.done();
        List<Path> todo = images.stream().filter(p -> !done.contains(p.toString())).toList();
        Preprocessing pre = classifier.preprocessing();
        int classified = 0, failed = 0;
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService decoders = Executors.newFixedThreadPool(decodeThreads, r -> {
            Thread t = new Thread(r, "jresnet-decode-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            // Decoding runs up to two batches ahead of the one being classified.
            Deque<Future<Decoded>> ahead = new ArrayDeque<>();
            int submitted = 0;
            for (int from = 0; from < todo.size(); from += batch) {
                int to = Math.min(from + batch, todo.size());
                while (submitted < Math.min(todo.size(), to + 2 * batch)) {
                    Path p = todo.get(submitted++);
                    ahead.add(decoders.submit(() -> decode(pre, p)));
                }
                List<Decoded> items = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) items.add(await(ahead.removeFirst()));
                List<ClassifiedImage> rows = classify(items);
                for (ClassifiedImage r : rows) {
                    if (r.ok()) classified++;
                    else failed++;
                }
                out.append(rows);
                progress.written(to, todo.size());
            }
        } finally {
            decoders.shutdownNow();
        }
        return new Summary(images.size(), images.size() - todo.size(), classified, failed,
                (System.nanoTime() - start) / 1e9);
    }

    private static Decoded decode(Preprocessing pre, Path p) {
        try {
            return new Decoded(p.toString(), pre.load(p), null);
        } catch (FormatException e) {
            return new Decoded(p.toString(), null, e.getMessage());
        }
    }

    private static Decoded await(Future<Decoded> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while decoding images");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new JResnetException("decoding failed: " + e.getCause(), e.getCause());
        }
    }

    /** The batch's rows in input order: decoded images classified together, the others as errors. */
    private List<ClassifiedImage> classify(List<Decoded> items) {
        List<Decoded> good = items.stream().filter(d -> d.image() != null).toList();
        List<List<Classifier.Prediction>> answers = List.of();
        List<float[]> vectors = List.of();
        if (!good.isEmpty()) {
            Tensor first = good.getFirst().image();
            int per = first.size();
            float[] data = new float[per * good.size()];
            for (int i = 0; i < good.size(); i++) {
                Tensor t = good.get(i).image();
                System.arraycopy(t.array(), t.offset(), data, i * per, per);
            }
            Tensor stacked = Tensor.wrap(data, first.shape().withBatch(good.size()));
            if (embeddings) {
                List<Classifier.Embedded> e = classifier.classifyWithEmbeddings(stacked, k);
                answers = e.stream().map(Classifier.Embedded::top).toList();
                vectors = e.stream().map(Classifier.Embedded::embedding).toList();
            } else {
                answers = classifier.classifyPreprocessed(stacked, k);
            }
        }
        List<ClassifiedImage> rows = new ArrayList<>(items.size());
        int g = 0;
        for (Decoded d : items) {
            if (d.image() != null) {
                rows.add(new ClassifiedImage(d.name(), answers.get(g), null, embeddings ? vectors.get(g) : null));
                g++;
            } else {
                rows.add(new ClassifiedImage(d.name(), List.of(), d.error()));
            }
        }
        return rows;
    }
}
