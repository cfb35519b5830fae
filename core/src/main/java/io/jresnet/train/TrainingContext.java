package io.jresnet.train;

import io.jresnet.backend.Backend;
import io.jresnet.backend.Gemm;
import io.jresnet.reference.ReferenceGemm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a training run carries from step to step: the {@link Gemm} that convolutions reduce to, the
 * threads of that GEMM (on which the element-wise ops around it run too, see {@link #parallel}), the
 * per-thread scratch of the reduction (im2col columns, gathered rows, partial weight gradients), and
 * the op outputs and their gradients, kept by their position on the tape and reused by the next
 * tape, so a step of a fixed-shape network allocates nothing beyond its batch.
 *
 * <p>Reuse means a tape's values and gradients stay valid only until the next tape on the same
 * context records its ops: read what you need (the loss, the logits) before starting the next step.
 * Pass one context to {@link Tape#recording(TrainingContext)} and {@link Tape#inference(TrainingContext)}
 * for every step of a run ({@link Trainer} does). Not thread-safe: one forward/backward pass at a
 * time; the work inside it is spread over the GEMM's threads.
 */
public final class TrainingContext {
    /** Below this many elements an element-wise loop runs on the caller: the hand-off would cost more. */
    static final int PARALLEL_ELEMENTS = 1 << 14;

    private final Gemm gemm;
    private final Gemm perThreadGemm;
    private final Workspace[] workspaces;
    private final List<float[]> values = new ArrayList<>();
    private final List<float[]> gradients = new ArrayList<>();

    /** One thread's scratch for convolution; contents undefined between uses. */
    static final class Workspace {
        private float[] columns = new float[0];
        private float[] rows = new float[0];
        private float[] weightGrad = new float[0];
        private float[] biasGrad = new float[0];

        /** The im2col buffer, at least {@code size} floats. */
        float[] columns(int size) {
            if (columns.length < size) columns = new float[size];
            return columns;
        }

        /** A chunk's outputs or output gradients as {@code [channels, pixels]} rows, at least {@code size} floats. */
        float[] rows(int size) {
            if (rows.length < size) rows = new float[size];
            return rows;
        }

        /** This thread's part of a weight gradient, cleared to {@code size} zeros. */
        float[] clearWeightGrad(int size) {
            if (weightGrad.length < size) weightGrad = new float[size];
            else Arrays.fill(weightGrad, 0, size, 0f);
            return weightGrad;
        }

        /** This thread's part of a weight gradient as last cleared and added to. */
        float[] weightGrad() {
            return weightGrad;
        }

        /** This thread's part of a bias gradient, cleared to {@code size} zeros. */
        float[] clearBiasGrad(int size) {
            if (biasGrad.length < size) biasGrad = new float[size];
            else Arrays.fill(biasGrad, 0, size, 0f);
            return biasGrad;
        }

        /** This thread's part of a bias gradient as last cleared and added to. */
        float[] biasGrad() {
            return biasGrad;
        }
    }

    public TrainingContext(Gemm gemm) {
        if (gemm == null) throw new IllegalArgumentException("gemm is null");
        this.gemm = gemm;
        this.perThreadGemm = gemm.threads() == 1 ? gemm : gemm.singleThreaded();
        this.workspaces = new Workspace[Math.max(1, gemm.threads())];
        for (int i = 0; i < workspaces.length; i++) workspaces[i] = new Workspace();
    }

    /**
     * Training on {@code backend}'s GEMM and threads ({@link Backend#gemm()}); the context is valid
     * while the backend is open.
     */
    public static TrainingContext on(Backend backend) {
        return new TrainingContext(backend.gemm());
    }

    /** The scalar reference GEMM: slow, exact, for tests and as the measure faster GEMMs are compared with. */
    public static TrainingContext reference() {
        return new TrainingContext(ReferenceGemm.INSTANCE);
    }

    public Gemm gemm() {
        return gemm;
    }

    /** The GEMM to call from inside a {@link #parallel} share. */
    Gemm perThreadGemm() {
        return perThreadGemm;
    }

    /** Threads that {@link #parallel} splits work over. */
    int threads() {
        return workspaces.length;
    }

    /** Runs {@code task} once per thread of the GEMM, shares at once; returns when all are done. */
    void parallel(Gemm.Task task) {
        if (workspaces.length == 1) task.run(0, 1);
        else gemm.parallel(task);
    }

    /** A range of {@code total} items the shares split: share {@code from(t, w, ws)} to {@code from(t, w + 1, ws)}. */
    static int from(int total, int worker, int workers) {
        return (int) ((long) total * worker / workers);
    }

    /**
     * Runs {@code body} over {@code [0, total)} split into one contiguous range per thread, or on the
     * caller in one range when {@code total * costPerItem} is below {@link #PARALLEL_ELEMENTS}.
     */
    void forRanges(int total, int costPerItem, RangeBody body) {
        if (workspaces.length == 1 || (long) total * costPerItem < PARALLEL_ELEMENTS) {
            body.run(0, total);
            return;
        }
        gemm.parallel((worker, workers) -> body.run(from(total, worker, workers), from(total, worker + 1, workers)));
    }

    /** A loop over {@code [from, to)}. */
    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }

    /** Thread {@code worker}'s scratch. */
    Workspace workspace(int worker) {
        return workspaces[worker];
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

    /** Sets {@code a[0, size)} to zero, split over the threads when large. */
    void zero(float[] a, int size) {
        forRanges(size, 1, (from, to) -> Arrays.fill(a, from, to, 0f));
    }

    @Override
    public String toString() {
        return "TrainingContext[" + gemm.description() + "]";
    }
}
