/**
 * The {@code cpu} backend: Vector API kernels. On the module path this module reads
 * {@code jdk.incubator.vector} itself; on the class path start the JVM with
 * {@code --add-modules jdk.incubator.vector}, or the provider reports itself unavailable and says so.
 */
module io.jresnet.backend.cpu {
    requires io.jresnet.core;
    requires jdk.incubator.vector;

    provides io.jresnet.backend.BackendProvider with io.jresnet.cpu.CpuProvider;
}
