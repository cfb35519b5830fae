package io.jresnet.train;

import io.jresnet.backend.Backend;
import io.jresnet.backend.TrainingKernels;
import io.jresnet.reference.ReferenceTrainingKernels;
import java.util.ArrayList;
import java.util.List;

/**
 * What a training run carries from step to step: the backend's {@link TrainingKernels}, which do the
 * arithmetic of every op on the backend's threads and hold its scratch (im2col columns, partial weight
 * gradients), and the op outputs and their gradients, kept by their position on the tape and reused
 * by the next tape, so a step of a fixed-shape network allocates nothing beyond its batch.
 *
 * <p>Reuse means a tape's values and gradients stay valid only until the next tape on the same
 * context records its ops: read what you need (the loss, the logits) before starting the next step.
 * Pass one context to {@link Tape#recording(TrainingContext)} and {@link Tape#inference(TrainingContext)}
 * for every step of a run ({@link Trainer} does). Not thread-safe: one forward/backward pass at a
 * time; the work inside it is spread over the backend's threads.
 */
public final class TrainingContext {
    private final TrainingKernels kernels;
    private final List<float[]> values = new ArrayList<>();
    private final List<float[]> gradients = new ArrayList<>();

    public TrainingContext(TrainingKernels kernels) {
        if (kernels == null) throw new IllegalArgumentException("kernels is null");
        this.kernels = kernels;
    }

    /**
     * Training on {@code backend}'s kernels and threads ({@link Backend#newTrainingKernels()}); the
     * context is valid while the backend is open.
     */
    public static TrainingContext on(Backend backend) {
        return new TrainingContext(backend.newTrainingKernels());
    }

    /** The scalar reference kernels on one thread: slow, simple, the oracle faster kernels are compared with. */
    public static TrainingContext reference() {
        return new TrainingContext(new ReferenceTrainingKernels());
    }

    /** The arithmetic every op on a tape with this context runs. */
    public TrainingKernels kernels() {
        return kernels;
    }

    /** The value buffer of the op output at {@code slot} on a tape: exactly {@code size} floats, contents undefined. */
    float[] value(int slot, int size) {
        return buffer(values, slot, size);
    }

    /** The gradient buffer of the op output at {@code slot}: exactly {@code size} floats, contents undefined. */
    float[] gradient(int slot, int size) {
        return buffer(gradients, slot, size);
    }

    private static float[] buffer(List<float[]> buffers, int slot, int size) {
        while (buffers.size() <= slot) buffers.add(null);
        float[] b = buffers.get(slot);
        if (b == null || b.length != size) {
            b = new float[size];
            buffers.set(slot, b);
        }
        return b;
    }

    /** Sets {@code a[0, size)} to zero. */
    void zero(float[] a, int size) {
        kernels.zero(a, size);
    }

    @Override
    public String toString() {
        return "TrainingContext[" + kernels.description() + "]";
    }
}
