package io.jresnet.models.cli;

import io.jresnet.backend.Availability;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.BackendProvider;
import io.jresnet.backend.Executable;
import io.jresnet.plan.Plan;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * A backend the CLI only finds through ServiceLoader (registered in the test resources): the
 * reference backend with {@code -Djresnet.offset.amount} added to every output, so the bench check
 * can be shown to catch a wrong backend. Lowest priority, so it is never picked by default.
 */
public final class OffsetBackendProvider implements BackendProvider {
    static final String AMOUNT = "jresnet.offset.amount";

    @Override
    public String name() {
        return "offset";
    }

    @Override
    public int priority() {
        return -100;
    }

    @Override
    public Availability probe() {
        return Availability.available("reference plus a constant (test double)");
    }

    @Override
    public Backend create(BackendOptions options) {
        float amount = Float.parseFloat(System.getProperty(AMOUNT, "0"));
        ReferenceBackend ref = new ReferenceBackend();
        return new Backend() {
            @Override
            public String name() {
                return "offset";
            }

            @Override
            public String device() {
                return "reference plus " + amount;
            }

            @Override
            public Executable compile(Plan plan) {
                Executable inner = ref.compile(plan);
                return new Executable() {
                    @Override
                    public Shape inputShape() {
                        return inner.inputShape();
                    }

                    @Override
                    public Shape outputShape() {
                        return inner.outputShape();
                    }

                    @Override
                    public void run(Tensor input, Tensor output) {
                        inner.run(input, output);
                        for (int i = 0; i < output.size(); i++) output.array()[output.offset() + i] += amount;
                    }

                    @Override
                    public void close() {
                        inner.close();
                    }
                };
            }

            @Override
            public void close() {
                ref.close();
            }
        };
    }
}
