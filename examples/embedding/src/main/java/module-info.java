/**
 * The README's embedding examples. They read {@code io.jresnet.models} (which brings
 * {@code io.jresnet.core}); the backends are not named here: on the module path they are bound as
 * services of {@code io.jresnet.core}.
 */
module io.jresnet.examples.embedding {
    requires io.jresnet.models;
}
