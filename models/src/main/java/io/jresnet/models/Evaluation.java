package io.jresnet.models;

import io.jresnet.JResnetException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import io.jresnet.train.data.DataLoader;
import io.jresnet.train.data.Dataset;
import io.jresnet.train.data.Normalization;

/**
 * A classifier's accuracy on a labelled data set and its confusion matrix
 * ({@code confusion[label][predicted]}), from inference on a backend: the model's plan (batch norm
 * folded with its running statistics) compiled once and run batch by batch on one session, the same
 * path as classification and benchmarks.
 *
 * @param samples the images evaluated
 * @param correct those whose most probable class was their label
 * @param confusion counts by true label, then predicted class
 */
public record Evaluation(int samples, int correct, int[][] confusion) {
    /** {@return the fraction of images classified right, in [0, 1]; NaN for no images} */
    public double accuracy() {
        return samples == 0 ? Double.NaN : (double) correct / samples;
    }

    /**
     * Runs {@code model} on {@code backend} over {@code data} in batches of {@code batch}. The compiled
     * model and session are closed here; the backend stays open, its caller's.
     *
     * @param model the network, in eval mode
     * @param data the labelled images
     * @param norm the pixel standardisation the model was trained with
     * @param backend where to run
     * @param batch images per run
     * @return the counts
     * @throws io.jresnet.JResnetException if the model's channels or classes do not fit the data set
     */
    public static Evaluation of(ResNet model, Dataset data, Normalization norm, Backend backend, int batch) {
        if (model.spec().inChannels() != data.channels()) {
            throw new JResnetException("model " + model.spec().name() + " takes " + model.spec().inChannels()
                    + " input channels, " + data.name() + " images have " + data.channels());
        }
        if (model.spec().numClasses() != data.classes()) {
            throw new JResnetException("model " + model.spec().name() + " has " + model.spec().numClasses()
                    + " classes, " + data.name() + " has " + data.classes());
        }
        int k = data.classes(), samples = 0, correct = 0;
        int[][] confusion = new int[k][k];
        int planned = Math.min(batch, Math.max(1, data.size()));
        Shape input = Shape.nchw(planned, data.channels(), data.height(), data.width());
        try (CompiledModel compiled = backend.compile(model.plan(input)); Session session = compiled.newSession()) {
            for (DataLoader.Batch b : DataLoader.evaluation(data, planned, norm).epoch(0)) {
                Tensor logits = session.run(b.images()); // the last batch may be smaller
                float[] z = logits.array();
                for (int i = 0; i < b.size(); i++) {
                    int base = logits.offset() + i * k, best = 0;
                    for (int j = 1; j < k; j++) if (z[base + j] > z[base + best]) best = j;
                    confusion[b.labels()[i]][best]++;
                    if (best == b.labels()[i]) correct++;
                    samples++;
                }
            }
        }
        return new Evaluation(samples, correct, confusion);
    }
}
