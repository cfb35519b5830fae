package io.jresnet.bench;

import io.jresnet.JResnetException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;

import io.jresnet.plan.Plan;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The shape every plan benchmark shares: build a plan, compile it once on the chosen backend, check
 * the backend against {@code reference}, then time {@code run(input, output)} (which allocates
 * nothing). Subclasses say what plan, and how to validate when the default check does not fit.
 */
@State(Scope.Thread)
public abstract class CompiledPlanBenchmark {
    @Param({"cpu"})
    public String backend;

    /** 0: one per core. */
    @Param({"0"})
    public int threads;

    private Backend be;
    private CompiledModel compiled;
    private Session exe;
    private Tensor input;
    private Tensor output;

    /** The plan to time. */
    protected abstract Plan plan();

    /**
     * Checks {@code backend} before timing. The default runs the timed plan on both and compares with
     * |actual - expected| <= 1e-3 * max(1, max |expected|) + 1e-3 * |expected|.
     */
    protected void validate(Backend backend, Plan plan, Tensor input, Tensor actual) {
        if (backend.name().equals("reference")) return;
        Tensor expected;
        try (CompiledModel e = new ReferenceBackend().compile(plan)) {
            expected = e.run(input);
        }
        double scale = 1;
        for (int i = 0; i < expected.size(); i++) scale = Math.max(scale, Math.abs(expected.array()[i]));
        for (int i = 0; i < expected.size(); i++) {
            float e = expected.array()[i], a = actual.array()[i];
            if (!(Math.abs(a - e) <= 1e-3 * scale + 1e-3 * Math.abs(e))) {
                throw new JResnetException(backend.name() + " disagrees with reference at " + i + ": " + a + " vs " + e);
            }
        }
    }

    @Setup(Level.Trial)
    public void compile() {
        Plan plan = plan();
        be = Backends.create(backend, BackendOptions.threads(threads));
        compiled = be.compile(plan);
        exe = compiled.newSession();
        input = Tensor.uniform(plan.inputShape(), -1f, 1f, 11);
        output = Tensor.zeros(compiled.outputShape());
        exe.run(input, output);
        validate(be, plan, input, output);
    }

    @Benchmark
    public Tensor run() {
        exe.run(input, output);
        return output;
    }

    @TearDown(Level.Trial)
    public void close() {
        exe.close();
        compiled.close();
        be.close();
    }
}
