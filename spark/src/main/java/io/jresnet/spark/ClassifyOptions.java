package io.jresnet.spark;

import io.jresnet.JResnetException;
import java.io.Serializable;

/**
 * What a Spark classification runs: the model, how many classes per image, the batch each executor
 * classifies at once, and whether rows carry the embedding. Serializable: it travels to the
 * executors inside the job's functions; the model itself never does (each executor opens it once).
 *
 * @param model {@code builtin} (the ResNet-20 inside the models jar), or an {@code .onnx},
 *     {@code .safetensors} or {@code .pth} file: a path every executor can read (a shared file
 *     system), or the bare name of a file shipped with {@code spark-submit --files}
 * @param top predictions per image, at least 1
 * @param batch images an executor classifies at once, at least 1
 * @param embeddings whether each row also has the image's pooled features (the input of the last
 *     linear layer)
 */
public record ClassifyOptions(String model, int top, int batch, boolean embeddings) implements Serializable {
    /** The built-in model's name. */
    public static final String BUILTIN = "builtin";

    /** Checks the numbers. */
    public ClassifyOptions {
        if (model == null || model.isBlank()) throw new JResnetException("no model named (use '" + BUILTIN + "' or a file)");
        if (top < 1) throw new JResnetException("top must be at least 1, found " + top);
        if (batch < 1) throw new JResnetException("batch must be at least 1, found " + batch);
    }

    /**
     * {@return the built-in model, top 5, batches of 32, no embeddings}
     */
    public static ClassifyOptions defaults() {
        return new ClassifyOptions(BUILTIN, 5, 32, false);
    }
}
