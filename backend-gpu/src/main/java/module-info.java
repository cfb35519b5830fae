/**
 * The {@code opencl} and {@code cuda} backends, bound to the native drivers with
 * {@code java.lang.foreign}. Grant this module native access
 * ({@code --enable-native-access=io.jresnet.backend.gpu} on the module path,
 * {@code =ALL-UNNAMED} on the class path); without it the JVM prints a warning at the first native
 * call (and refuses the call under {@code --illegal-native-access=deny}).
 */
module io.jresnet.backend.gpu {
    requires io.jresnet.core;

    provides io.jresnet.backend.BackendProvider
            with io.jresnet.gpu.opencl.OpenClProvider, io.jresnet.gpu.cuda.CudaProvider;
}
