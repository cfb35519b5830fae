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
 */
public record ClassifiedImage(String path, List<Classifier.Prediction> top, String error) {
    /** Copies the predictions. */
    public ClassifiedImage {
        top = List.copyOf(top);
    }

    /** {@return whether the image was classified} */
    public boolean ok() {
        return error == null;
    }
}
