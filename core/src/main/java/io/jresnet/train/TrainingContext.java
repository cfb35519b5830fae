package io.jresnet.train;

import io.jresnet.backend.Gemm;
import io.jresnet.backend.Gemms;

/**
 * What a training run carries from step to step: the {@link Gemm} that convolutions reduce to and the
 * scratch buffers of that reduction (im2col columns, gathered output rows), grown to the largest
 * layer once and then reused, so a step allocates nothing for convolution beyond its activations.
 *
 * <p>Pass one to {@link Tape#recording(TrainingContext)} and {@link Tape#inference(TrainingContext)}
 * for every step of a run ({@link Trainer} does). Not thread-safe: the scratch buffers belong to one
 * forward/backward pass at a time; the GEMM itself may use several threads.
 */
public final class TrainingContext {
    private final Gemm gemm;
    private float[] columns = new float[0];
    private float[] rows = new float[0];

    public TrainingContext(Gemm gemm) {
        if (gemm == null) throw new IllegalArgumentException("gemm is null");
        this.gemm = gemm;
    }

    /** The fastest GEMM on the class path ({@link Gemms#best}), with {@code threads} workers (0: one per core). */
    public static TrainingContext withBestGemm(int threads) {
        return new TrainingContext(Gemms.best(threads));
    }

    /** The scalar reference GEMM: slow, exact, for tests and as the measure faster GEMMs are compared with. */
    public static TrainingContext reference() {
        return new TrainingContext(Gemms.REFERENCE);
    }

    public Gemm gemm() {
        return gemm;
    }

    /** The im2col buffer, at least {@code size} floats; contents undefined. */
    float[] columns(int size) {
        if (columns.length < size) columns = new float[size];
        return columns;
    }

    /** The buffer for a chunk's outputs or output gradients as {@code [channels, pixels]} rows; contents undefined. */
    float[] rows(int size) {
        if (rows.length < size) rows = new float[size];
        return rows;
    }

    @Override
    public String toString() {
        return "TrainingContext[" + gemm.description() + "]";
    }
}
