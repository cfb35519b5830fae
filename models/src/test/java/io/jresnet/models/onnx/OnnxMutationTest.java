package io.jresnet.models.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jresnet.backend.CompiledModel;
import io.jresnet.JResnetException;

import io.jresnet.plan.Graph;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random corruption of a valid small ONNX file (byte flips, overwrites, truncations, insertions):
 * every mutant loads and runs, or fails with a {@link JResnetException}; never another exception, never
 * a hang.
 *
 * <p>The campaign is a fixed, seeded number of mutants, the same on any machine: 10,000 in the suite,
 * {@code -Djresnet.onnx.mutants=N} for a longer run (docs/RELIABILITY.md has the 100,000-mutant one).
 * The only clock is a hang detector: no single mutant may take {@link #HANG_SECONDS}.
 */
class OnnxMutationTest {
    @TempDir
    Path dir;

    private static final int MUTANTS = Integer.getInteger("jresnet.onnx.mutants", 10_000);
    /** A mutant still loading or running after this long is a hang. */
    private static final int HANG_SECONDS = 30;
    /** Mutants whose activations would exceed this many floats are planned but not run, to bound time. */
    private static final long RUN_LIMIT = 1 << 20;

    @Test
    void mutantsLoadOrFailWithJresnetExceptions() throws Exception {
        OnnxModelBuilder m = new OnnxModelBuilder(13, 9);
        m.input("input", null, 3L, 8L, 8L);
        String x = m.relu(m.batchNorm(m.conv("input", 3, 4, 3, 1, 1, false), 4));
        x = m.node("MaxPool", new String[] {x}, OnnxModelBuilder.attr("kernel_shape", 2, 2),
                OnnxModelBuilder.attr("strides", 2, 2));
        x = m.node("GlobalAveragePool", new String[] {x});
        x = m.gemm(m.torchFlatten(x), 4, 3);
        m.output(x, null, 3L);
        byte[] original = m.build().toByteArray();
        Files.write(dir.resolve("original.onnx"), original);
        OnnxImporter.load(dir.resolve("original.onnx")).toGraph(Shape.nchw(1, 3, 8, 8)); // the seed itself is valid

        SplittableRandom random = new SplittableRandom(20240601);
        Path file = dir.resolve("mutant.onnx");
        int[] outcomes = new int[3]; // ran, loaded but too large to run, rejected
        AtomicInteger current = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread campaign = new Thread(() -> {
            try {
                for (int i = 0; i < MUTANTS; i++) {
                    current.set(i);
                    runMutant(original, mutate(original, random), file, i, outcomes);
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "onnx-mutants");
        campaign.setDaemon(true);
        campaign.start();
        int seen = -1;
        long since = System.nanoTime();
        while (campaign.isAlive()) {
            campaign.join(1000);
            int now = current.get();
            if (now != seen) {
                seen = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > HANG_SECONDS * 1_000_000_000L) {
                fail("mutant " + now + " has been loading or running for " + HANG_SECONDS + " s: a hang");
            }
        }
        if (failed.get() instanceof AssertionError a) throw a;
        if (failed.get() != null) fail("the campaign stopped", failed.get());
        System.out.printf("ONNX mutants: %d (seed 20240601): %d ran, %d loaded but not run (large), %d rejected with"
                + " jresnet's exception, 0 other failures%n", MUTANTS, outcomes[0], outcomes[1], outcomes[2]);
        assertTrue(outcomes[0] > 0 && outcomes[2] > 0, "the mutants exercise both outcomes: " + Arrays.toString(outcomes));
    }

    /** Loads, plans and (if small enough) runs one mutant; anything but a {@link JResnetException} fails. */
    private static void runMutant(byte[] original, byte[] mutant, Path file, int i, int[] outcomes) throws Exception {
        Files.write(file, mutant);
        try {
            Graph g = OnnxImporter.load(file).toGraph(Shape.nchw(1, 3, 8, 8));
            long floats = 0;
            for (int v = 0; v < g.valueCount(); v++) floats += g.shape(v).size();
            if (floats > RUN_LIMIT) {
                Planner.plan(g);
                outcomes[1]++;
                return;
            }
            try (CompiledModel e = new ReferenceBackend().compile(Planner.plan(g))) {
                e.run(Tensor.uniform(g.inputShape(), -1f, 1f, i));
            }
            outcomes[0]++;
        } catch (JResnetException expected) {
            outcomes[2]++;
        } catch (RuntimeException | Error e) {
            fail("mutant " + i + " (" + mutant.length + " bytes, first difference at "
                    + Arrays.mismatch(original, mutant) + ") threw " + e, e);
        }
    }

    private static byte[] mutate(byte[] original, SplittableRandom r) {
        byte[] b = original.clone();
        int kind = r.nextInt(4);
        switch (kind) {
            case 0 -> { // flip 1-4 bits
                int flips = 1 + r.nextInt(4);
                for (int k = 0; k < flips; k++) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            }
            case 1 -> { // overwrite bytes with values that are interesting to varints and lengths
                byte[] interesting = {0, 1, (byte) 0x7f, (byte) 0x80, (byte) 0xff, (byte) 0xfe, 0x40};
                int n = 1 + r.nextInt(3);
                for (int k = 0; k < n; k++) b[r.nextInt(b.length)] = interesting[r.nextInt(interesting.length)];
            }
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncate
            default -> { // insert a random byte
                int at = r.nextInt(b.length + 1);
                byte[] c = new byte[b.length + 1];
                System.arraycopy(b, 0, c, 0, at);
                c[at] = (byte) r.nextInt(256);
                System.arraycopy(b, at, c, at + 1, b.length - at);
                b = c;
            }
        }
        return b;
    }
}
