package io.jresnet.gpu.opencl;

import io.jresnet.backend.Backend;
import io.jresnet.backend.BackendOptions;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.gpu.NativeSignals;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/**
 * Prints the JVM's handler for each signal HotSpot depends on, then initialises OpenCL, builds the
 * kernels, runs a small ResNet, and prints the handlers again with what {@link NativeSignals} put
 * back. Run in a fresh JVM by {@link NativeSignalsTest}, since a platform initialises once per process.
 */
public final class SignalHandlersMain {
    static final int[] WATCHED = {1, 2, 3, 4, 7, 8, 11, 12, 15};

    private SignalHandlersMain() {}

    public static void main(String[] args) {
        long[] before = NativeSignals.handlers();
        boolean available = new OpenClProvider().probe().available();
        String device = "none";
        if (available) {
            try (Backend b = new OpenClProvider().create(BackendOptions.defaults());
                 CompiledModel compiled = b.compile(OpenClBackendTest.resnet20(2)); Session session = compiled.newSession()) {
                session.run(Tensor.uniform(Shape.nchw(2, 3, 13, 13), -1f, 1f, 3));
                device = b.device();
            }
        }
        long[] after = NativeSignals.handlers();
        StringBuilder out = new StringBuilder("opencl=" + available + " chained=" + NativeSignals.signalChainingLoaded()
                + " device=" + device);
        for (int s : WATCHED) {
            out.append('\n').append(NativeSignals.signalName(s)).append(before[s] == after[s] ? " kept" : " CHANGED")
                    .append(before[s] == 0 ? " (no JVM handler)" : "");
        }
        out.append("\nrestored=").append(NativeSignals.restoredSignals());
        System.out.println(out);
    }
}
