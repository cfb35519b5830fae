package io.jresnet.models.batch;

import io.jresnet.models.Classifier;
import java.util.List;

/**
 * One row of a batch job's results: the image's path as given, and either its top predictions or why
 * it could not be classified.
 *
 * @param path the image, as found (folder walk or list)
 * @param top the most probable classes first; empty when {@code error} is set
 * @param error what was wrong with the file (cannot be decoded, missing), or null
 * @param embedding the features the classifier layer read ({@link Classifier.Embedded}), or null when
 *     not asked for or the image could not be classified
 */
public record ClassifiedImage(String path, List<Classifier.Prediction> top, String error, float[] embedding) {
    /** Copies the predictions. */
    public ClassifiedImage {
        top = List.copyOf(top);
    }

    /**
     * A row without an embedding.
     *
     * @param path the image
     * @param top its predictions
     * @param error why it could not be classified, or null
     */
    public ClassifiedImage(String path, List<Classifier.Prediction> top, String error) {
        this(path, top, error, null);
    }

    /** {@return whether the image was classified} */
    public boolean ok() {
        return error == null;
    }
}
