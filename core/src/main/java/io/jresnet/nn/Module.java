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
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training;

    /** A module with no parameters or children yet; subclasses register theirs in their constructor. */
    protected Module() {}

    protected final Parameter weight(String name, Tensor value) {
        return register(name, new Parameter(value, true));
    }

    protected final Parameter buffer(String name, Tensor value) {
        return register(name, new Parameter(value, false));
    }

    private Parameter register(String name, Parameter p) {
        if (parameters.putIfAbsent(name, p) != null || children.containsKey(name)) {
            throw new IllegalArgumentException("duplicate name " + name);
        }
        return p;
    }

    protected final <M extends Module> M child(String name, M module) {
        if (children.putIfAbsent(name, module) != null || parameters.containsKey(name)) {
            throw new IllegalArgumentException("duplicate name " + name);
        }
        return module;
    }

    /** The direct children, by local name, in registration order. */
    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter and buffer below this module, by full dotted name, in definition order. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> all = new LinkedHashMap<>();
        collect("", all);
        return all;
    }

    private void collect(String prefix, Map<String, Parameter> into) {
        parameters.forEach((n, p) -> into.put(prefix + n, p));
        children.forEach((n, c) -> c.collect(prefix + n + ".", into));
    }

    /** Values of every parameter and buffer by full name (views, not copies). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        namedParameters().forEach((n, p) -> sd.put(n, p.value()));
        return sd;
    }

    /**
     * Copies tensors in by name.
     *
     * @param strict if true, names missing on either side are an error; if false, only names present
     *     on both sides are loaded
     * @return the names that were loaded
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

    /** Number of trainable parameters (buffers such as running statistics are not counted). */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) if (p.trainable()) n += p.value().size();
        return n;
    }

    /** Switches this module and all below it between training (true) and inference (false) mode. */
    public Module train(boolean on) {
        training = on;
        children.values().forEach(c -> c.train(on));
        return this;
    }

    public boolean isTraining() {
        return training;
    }

    /**
     * Eager inference, for tests and debugging: the scalar {@code reference} backend running this
     * module's unfused plan (each graph op on its own, batch norm with the running statistics). It
     * is not a second implementation of the layers: those exist only as {@link #lower}. Training
     * runs the same graph on a tape ({@code io.jresnet.train.TapeModel}).
     *
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

    /** Lowers the children in order, each under its own name (for containers). */
    protected final int lowerChildren(GraphBuilder g, String path, int x) {
        for (var e : children.entrySet()) x = e.getValue().lower(g, join(path, e.getKey()), x);
        return x;
    }

    /** Adds this module's ops to {@code g}, reading value {@code x}; returns the output value. */
    public abstract int lower(GraphBuilder g, String path, int x);

    /** The inference graph of this module for one input shape. */
    public Graph toGraph(Shape input) {
        GraphBuilder g = new GraphBuilder();
        int x = g.input(input);
        return g.build(lower(g, "", x));
    }

    /** The fused inference plan for one input shape. */
    public Plan plan(Shape input) {
        return Planner.plan(toGraph(input));
    }

    public Shape outputShape(Shape input) {
        return toGraph(input).outputShape();
    }

    /** Multiply-accumulates of one forward pass at this input shape. */
    public long macs(Shape input) {
        return toGraph(input).macs();
    }

    static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
