package io.jresnet.spark;

import io.jresnet.FormatException;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * One partition of {@code (path, image bytes)} rows in, one result row per image out, in input
 * order: the partition is read lazily a batch at a time (nothing is collected), each batch is
 * decoded and preprocessed in the task's thread and classified on the executor's model
 * ({@link ExecutorModels}). An image that cannot be decoded becomes an error row naming it; the
 * task goes on.
 */
final class ClassifyPartition implements MapPartitionsFunction<Row, Row> {
    private final ClassifyOptions options;

    ClassifyPartition(ClassifyOptions options) {
        this.options = options;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new Iterator<>() {
            private final Deque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && input.hasNext()) ready.addAll(nextBatch(input));
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return ready.removeFirst();
            }
        };
    }

    private List<Row> nextBatch(Iterator<Row> input) {
        Preprocessing pre = ExecutorModels.preprocessing(options.model());
        List<String> paths = new ArrayList<>(options.batch());
        List<Tensor> images = new ArrayList<>(options.batch());
        List<String> errors = new ArrayList<>(options.batch());
        while (paths.size() < options.batch() && input.hasNext()) {
            Row r = input.next();
            String path = r.getString(0);
            paths.add(path);
            try {
                images.add(pre.apply(Preprocessing.read((byte[]) r.get(1), path)));
                errors.add(null);
            } catch (FormatException e) {
                images.add(null);
                errors.add(e.getMessage());
            }
        }
        return ExecutorModels.classify(options, paths, images, errors).stream()
                .map(r -> SparkClassifier.row(options, r)).toList();
    }
}
