/**
 * jresnet's core: tensors ({@link io.jresnet.tensor}), the network description
 * ({@link io.jresnet.nn}), graphs and inference plans ({@link io.jresnet.plan}), the backend SPI and
 * its selection ({@link io.jresnet.backend}), in-memory data sets ({@link io.jresnet.train.data}) and
 * the exception hierarchy ({@link io.jresnet}).
 *
 * <p>Backends are found with {@link java.util.ServiceLoader} as
 * {@link io.jresnet.backend.BackendProvider}s, on the module path ({@code provides}) and on the class
 * path ({@code META-INF/services}) alike; this module provides {@code reference}, the scalar oracle,
 * which is always available.
 */
// The qualified exports name jresnet's own modules, which are compiled after this one: javac's
// "module not found" for them is expected.
@SuppressWarnings("module")
module io.jresnet.core {
    exports io.jresnet;
    exports io.jresnet.tensor;
    exports io.jresnet.nn;
    exports io.jresnet.plan;
    exports io.jresnet.backend;
    exports io.jresnet.train.data;
    // Not API: the scalar kernels (the training kernels backends build on, Classifier's softmax) and the
    // training loop, whose supported entry point is the jresnet command.
    exports io.jresnet.reference to io.jresnet.backend.cpu, io.jresnet.backend.gpu, io.jresnet.models;
    exports io.jresnet.train to io.jresnet.cli;

    uses io.jresnet.backend.BackendProvider;
    provides io.jresnet.backend.BackendProvider with io.jresnet.reference.ReferenceProvider;
}
