package io.jresnet.cli;

import io.jresnet.backend.Availability;
import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.BackendProvider;
import io.jresnet.backend.AbstractSession;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.TrainingKernels;
import io.jresnet.backend.Session;
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
            public CompiledModel compile(Plan plan) {
                CompiledModel inner = ref.compile(plan);
                return new CompiledModel() {
                    @Override
                    public Shape inputShape() {
                        return inner.inputShape();
                    }

                    @Override
                    public Shape outputShape() {
                        return inner.outputShape();
                    }

                    @Override
                    public Session newSession() {
                        Session innerSession = inner.newSession();
                        return new AbstractSession(this) {
                            @Override
                            protected void execute(Tensor input, Tensor output, long[] nanosPerOp) {
                                innerSession.run(input, output);
                                for (int i = 0; i < output.size(); i++) output.array()[output.offset() + i] += amount;
                            }

                            @Override
                            public boolean supportsProfiling() {
                                return false;
                            }

                            @Override
                            protected void release() {
                                innerSession.close();
                            }
                        };
                    }

                    @Override
                    public void close() {
                        inner.close();
                    }
                };
            }

            @Override
            public TrainingKernels newTrainingKernels() {
                return ref.newTrainingKernels();
            }

            @Override
            public void close() {
                ref.close();
            }
        };
    }
}
