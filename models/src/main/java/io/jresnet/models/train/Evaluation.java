package io.jresnet.models.train;

import io.jresnet.JResnetException;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Tensor;
import io.jresnet.train.Tape;
import io.jresnet.train.TrainingContext;
import io.jresnet.train.data.DataLoader;
import io.jresnet.train.data.Dataset;
import io.jresnet.train.data.Normalization;

/**
 * A classifier's accuracy on a labelled data set and its confusion matrix
 * ({@code confusion[label][predicted]}), from an eval-mode forward pass (running BN statistics).
 */
public record Evaluation(int samples, int correct, int[][] confusion) {
    public double accuracy() {
        return samples == 0 ? Double.NaN : (double) correct / samples;
    }

    /** Runs {@code model} over {@code data} in batches of {@code batch}; leaves the model in eval mode. */
    public static Evaluation of(ResNet model, Dataset data, Normalization norm, TrainingContext context, int batch) {
        if (model.spec().inChannels() != data.channels()) {
            throw new JResnetException("model " + model.spec().name() + " takes " + model.spec().inChannels()
                    + " input channels, " + data.name() + " images have " + data.channels());
        }
        if (model.spec().numClasses() != data.classes()) {
            throw new JResnetException("model " + model.spec().name() + " has " + model.spec().numClasses()
                    + " classes, " + data.name() + " has " + data.classes());
        }
        model.train(false);
        int k = data.classes(), samples = 0, correct = 0;
        int[][] confusion = new int[k][k];
        for (DataLoader.Batch b : DataLoader.evaluation(data, batch, norm).epoch(0)) {
            Tape tape = Tape.inference(context);
            Tensor logits = model.forward(tape.constant(b.images()), tape).value();
            float[] z = logits.array();
            for (int i = 0; i < b.size(); i++) {
                int base = logits.offset() + i * k, best = 0;
                for (int j = 1; j < k; j++) if (z[base + j] > z[base + best]) best = j;
                confusion[b.labels()[i]][best]++;
                if (best == b.labels()[i]) correct++;
                samples++;
            }
        }
        return new Evaluation(samples, correct, confusion);
    }
}
