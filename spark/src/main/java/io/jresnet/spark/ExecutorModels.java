package io.jresnet.spark;

import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.backend.Backends;
import io.jresnet.models.BuiltinModel;
import io.jresnet.models.Classifier;
import io.jresnet.models.batch.BatchClassification;
import io.jresnet.models.batch.ClassifiedImage;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkFiles;

/**
 * The models of one JVM (an executor, or the driver in local mode): each model is opened and
 * compiled once, on first use, and kept for the JVM's life, so a job pays for it once per executor,
 * not per task or partition. Its classifier (one compiled model and one session) is shared by the
 * executor's task threads: they decode their images concurrently and take turns to classify a
 * batch, which the backend already spreads over all the executor's cores.
 */
final class ExecutorModels {
    private static final Map<String, Entry> MODELS = new ConcurrentHashMap<>();

    /** A model and the lock its one session is used under. */
    private static final class Entry {
        final Classifier classifier;
        final long openMillis;

        Entry(Classifier classifier, long openMillis) {
            this.classifier = classifier;
            this.openMillis = openMillis;
        }
    }

    private ExecutorModels() {}

    private static Entry entry(String model) {
        return MODELS.computeIfAbsent(model, m -> {
            long t0 = System.nanoTime();
            Classifier c = open(m);
            return new Entry(c, (System.nanoTime() - t0) / 1_000_000);
        });
    }

    private static Classifier open(String model) {
        try {
            if (ClassifyOptions.BUILTIN.equals(model)) return Classifier.of(BuiltinModel.load(), Backends.create(), true);
            return Classifier.open(resolve(model));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open model " + model + ": " + e.getMessage(), e);
        }
    }

    /** A readable path as given, else a file shipped with the job ({@code spark-submit --files}). */
    private static Path resolve(String model) {
        Path p = Path.of(model);
        if (Files.isReadable(p)) return p;
        try {
            Path shipped = Path.of(SparkFiles.get(p.getFileName().toString()));
            if (Files.isReadable(shipped)) return shipped;
        } catch (RuntimeException e) {
            // No SparkContext here (a plain JVM): only the path itself could have worked.
        }
        throw new FormatException(model + ": no such model file on this executor (give a path every executor can"
                + " read, or ship the file with spark-submit --files)");
    }

    /** {@return the preprocessing of {@code model}'s classifier} */
    static Preprocessing preprocessing(String model) {
        return entry(model).classifier.preprocessing();
    }

    /** {@return how long opening and compiling {@code model} took in this JVM, in milliseconds} */
    static long openMillis(String model) {
        return entry(model).openMillis;
    }

    /**
     * {@return the rows of one decoded batch ({@link BatchClassification#classify(List, List, List)}),
     * classified on the JVM's model, its one session used by one thread at a time}
     */
    static List<ClassifiedImage> classify(ClassifyOptions options, List<String> names, List<Tensor> images,
                                          List<String> errors) {
        Entry e = entry(options.model());
        BatchClassification job = new BatchClassification(e.classifier, options.batch(), options.top(), 1);
        if (options.embeddings()) job.withEmbeddings();
        synchronized (e) {
            try {
                return job.classify(names, images, errors);
            } catch (JResnetException ex) {
                throw new JResnetException(options.model() + ": " + ex.getMessage(), ex);
            }
        }
    }
}
