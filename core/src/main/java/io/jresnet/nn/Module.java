package io.jresnet.nn;

import io.jresnet.JResnetException;
import io.jresnet.backend.CompiledModel;
import io.jresnet.plan.Graph;
import io.jresnet.plan.GraphBuilder;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceBackend;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A layer or a container of layers. Parameters and children are registered by local name, so the
 * full names compose like torchvision's state-dict keys ({@code layer2.0.downsample.1.running_var}).
 *
 * <p>A module lowers itself into a {@link Graph} ({@link #lower}): that graph is what the inference
 * planner compiles and what training runs on a tape ({@code io.jresnet.train.TapeModel}), so a layer
 * is written once. {@link #forward(Tensor)} runs that graph eagerly on the {@code reference} backend.
 *
 * <p>A module is mutable (its parameters' values, its training flag) and not thread-safe. To serve
 * from many threads, compile its {@link #plan} once on a backend and give each thread a session; the
 * plan shares the module's weight tensors, so do not change them while a backend compiles it.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training;

    /** A module with no parameters or children yet; subclasses register theirs in their constructor. */
    protected Module() {}

    /**
     * Registers a trainable parameter.
     *
     * @param name its local name, e.g. {@code weight}
     * @param value its initial value, held (not copied)
     * @return the parameter
     */
    protected final Parameter weight(String name, Tensor value) {
        return register(name, new Parameter(value, true));
    }

    /**
     * Registers a buffer: state that is saved and loaded but not trained (running statistics).
     *
     * @param name its local name, e.g. {@code running_mean}
     * @param value its initial value, held (not copied)
     * @return the buffer, as a non-trainable parameter
     */
    protected final Parameter buffer(String name, Tensor value) {
        return register(name, new Parameter(value, false));
    }

    private Parameter register(String name, Parameter p) {
        if (parameters.putIfAbsent(name, p) != null || children.containsKey(name)) {
            throw new IllegalArgumentException("duplicate name " + name);
        }
        return p;
    }

    /**
     * Registers a child module.
     *
     * @param <M> the child's type
     * @param name its local name, e.g. {@code conv1} or {@code 0}
     * @param module the child
     * @return the child
     */
    protected final <M extends Module> M child(String name, M module) {
        if (children.putIfAbsent(name, module) != null || parameters.containsKey(name)) {
            throw new IllegalArgumentException("duplicate name " + name);
        }
        return module;
    }

    /** {@return the direct children, by local name, in registration order} */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** {@return every parameter and buffer below this module, by full dotted name, in definition order} */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> all = new LinkedHashMap<>();
        collect("", all);
        return all;
    }

    private void collect(String prefix, Map<String, Parameter> into) {
        parameters.forEach((n, p) -> into.put(prefix + n, p));
        children.forEach((n, c) -> c.collect(prefix + n + ".", into));
    }

    /** {@return the values of every parameter and buffer by full name (the tensors themselves, not copies)} */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        namedParameters().forEach((n, p) -> sd.put(n, p.value()));
        return sd;
    }

    /**
     * Copies tensors in by name.
     *
     * @param state tensors by full dotted name (torchvision's state-dict keys)
     * @param strict if true, names missing on either side are an error; if false, only names present
     *     on both sides are loaded
     * @return the names that were loaded
     * @throws io.jresnet.JResnetException if {@code strict} and the names differ
     * @throws io.jresnet.ShapeException if a tensor's shape differs from its parameter's
     */
    public List<String> loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Parameter> own = namedParameters();
        if (strict) {
            TreeSet<String> missing = new TreeSet<>(own.keySet());
            missing.removeAll(state.keySet());
            TreeSet<String> unexpected = new TreeSet<>(state.keySet());
            unexpected.removeAll(own.keySet());
            if (!missing.isEmpty() || !unexpected.isEmpty()) {
                throw new JResnetException("state dict does not match the model: missing " + abbreviate(missing)
                        + ", unexpected " + abbreviate(unexpected));
            }
        }
        List<String> loaded = new ArrayList<>();
        own.forEach((n, p) -> {
            Tensor t = state.get(n);
            if (t != null) {
                p.load(n, t);
                loaded.add(n);
            }
        });
        return loaded;
    }

    private static String abbreviate(TreeSet<String> names) {
        if (names.size() <= 8) return names.toString();
        return new ArrayList<>(names).subList(0, 8) + " and " + (names.size() - 8) + " more";
    }

    /** {@return the number of trainable parameters (buffers such as running statistics are not counted)} */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) if (p.trainable()) n += p.value().size();
        return n;
    }

    /**
     * Switches this module and all below it between training (true) and inference (false) mode.
     *
     * @param on true for training
     * @return this module
     */
    public Module train(boolean on) {
        training = on;
        children.values().forEach(c -> c.train(on));
        return this;
    }

    /** {@return whether this module is in training mode} */
    public boolean isTraining() {
        return training;
    }

    /**
     * Eager inference, for tests and debugging: the scalar {@code reference} backend running this
     * module's unfused plan (each graph op on its own, batch norm with the running statistics). It
     * is not a second implementation of the layers: those exist only as {@link #lower}. Training
     * runs the same graph on a tape ({@code io.jresnet.train.TapeModel}).
     *
     * @param x the input, NCHW for images
     * @return a new tensor holding the output
     * @throws IllegalStateException in training mode, whose batch statistics need the tape
     */
    public final Tensor forward(Tensor x) {
        if (training) {
            throw new IllegalStateException(getClass().getSimpleName() + " is in training mode; eager forward is"
                    + " inference (running statistics): call train(false), or run it on a tape (io.jresnet.train.TapeModel)");
        }
        try (CompiledModel m = new ReferenceBackend().compile(Planner.plan(toGraph(x.shape()), false))) {
            return m.run(x);
        }
    }

    /**
     * Lowers the children in order, each under its own name (for containers).
     *
     * @param g the builder to add to
     * @param path this module's full dotted name, the prefix of its ops' and parameters' names
     * @param x the input value
     * @return the output value
     */
    protected final int lowerChildren(GraphBuilder g, String path, int x) {
        for (var e : children.entrySet()) x = e.getValue().lower(g, join(path, e.getKey()), x);
        return x;
    }

    /**
     * Adds this module's ops to {@code g}, reading value {@code x}.
     *
     * @param g the builder to add to
     * @param path this module's full dotted name, the prefix of its ops' and parameters' names
     * @param x the input value
     * @return the output value
     */
    public abstract int lower(GraphBuilder g, String path, int x);

    /**
     * {@return the inference graph of this module for one input shape}
     *
     * @param input the input's shape, batch first
     */
    public Graph toGraph(Shape input) {
        GraphBuilder g = new GraphBuilder();
        int x = g.input(input);
        return g.build(lower(g, "", x));
    }

    /**
     * {@return the fused inference plan for one input shape, what {@code Backend.compile} takes}
     *
     * @param input the input's shape; its batch is the largest a session of the compiled plan runs
     */
    public Plan plan(Shape input) {
        return Planner.plan(toGraph(input));
    }

    /**
     * {@return the output's shape for an input shape}
     *
     * @param input the input's shape
     */
    public Shape outputShape(Shape input) {
        return toGraph(input).outputShape();
    }

    /**
     * {@return the multiply-accumulates of one forward pass at this input shape}
     *
     * @param input the input's shape
     */
    public long macs(Shape input) {
        return toGraph(input).macs();
    }

    static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
