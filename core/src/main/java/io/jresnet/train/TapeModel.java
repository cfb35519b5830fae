package io.jresnet.train;

import io.jresnet.UnsupportedLayerException;
import io.jresnet.nn.BatchNorm2d;
import io.jresnet.nn.Initializers;
import io.jresnet.nn.Module;
import io.jresnet.nn.Parameter;
import io.jresnet.plan.Graph;
import io.jresnet.plan.Op;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A module run on a {@link Tape}: its graph (what {@link Module#lower} says, the same graph the
 * inference planner gets) executed op by op, each graph op kind by its one forward rule in
 * {@link Ops}, which records the matching backward rule. Layers are thus written once, as lowering;
 * training and inference read the same graph.
 *
 * <p>The graph's weight tensors are the module's parameter tensors themselves, so gradients land in
 * {@link Parameter#grad()} and batch norm moves the module's running statistics in place. Training or
 * inference behaviour (batch statistics or running ones) follows {@link Module#isTraining()} at each
 * call. Graphs are built once per input shape and kept.
 *
 * <p>A ReLU that is the only reader of a batch norm's or an addition's output runs inside that op
 * ({@link Ops#batchNorm2d(Tape, Var, Param, Param, Tensor, Tensor, float, float, boolean, boolean)},
 * {@link Ops#add(Tape, Var, Var, boolean)}): the same values and gradients, with fewer passes over
 * memory, which is what the small, wide-batch layers of training are bound by.
 */
public final class TapeModel {
    private final Module module;
    private final Map<Tensor, Param> params = new IdentityHashMap<>();
    private final List<BatchNorm2d> batchNorms;
    private final Map<Shape, Schedule> schedules = new HashMap<>();
    private final boolean fuseRelu;

    public TapeModel(Module module) {
        this(module, true);
    }

    /** With {@code fuseRelu} false every ReLU is its own op (tests compare the two). */
    TapeModel(Module module, boolean fuseRelu) {
        this.module = module;
        this.fuseRelu = fuseRelu;
        for (Parameter p : module.namedParameters().values()) {
            params.put(p.value(), p.trainable() ? new Param(p.value(), p.grad()) : Param.constant(p.value()));
        }
        this.batchNorms = Initializers.modules(module).stream()
                .filter(m -> m instanceof BatchNorm2d).map(m -> (BatchNorm2d) m).toList();
    }

    public Module module() {
        return module;
    }

    /** Runs the module's graph on {@code x}; in training mode batch norms use and track batch statistics. */
    public Var forward(Var x, Tape tape) {
        Schedule s = schedule(x.shape());
        Graph g = s.graph();
        boolean training = module.isTraining();
        Var[] values = new Var[g.valueCount()];
        values[g.input()] = x;
        List<Op> ops = g.ops();
        for (int i = 0; i < ops.size(); i++) {
            if (s.folded()[i]) continue;
            Op op = ops.get(i);
            int relu = s.reluAfter()[i];
            Var out = forward(op, values, tape, training, relu >= 0);
            values[op.output()] = out;
            if (relu >= 0) values[ops.get(relu).output()] = out;
        }
        if (training) {
            for (BatchNorm2d bn : batchNorms) {
                Tensor tracked = bn.batchesTracked().value();
                tracked.array()[tracked.offset()] += 1;
            }
        }
        return values[g.output()];
    }

    /** The tensor as a graph op reads it: a parameter of the module (with its gradient), else a constant. */
    private Param param(Tensor t) {
        Param p = params.get(t);
        return p != null ? p : Param.constant(t);
    }

    /** {@return how many ReLU ops of the graph for {@code input} run inside the op before them} */
    int foldedRelus(Shape input) {
        int folded = 0;
        for (boolean f : schedule(input).folded()) if (f) folded++;
        return folded;
    }

    private Schedule schedule(Shape input) {
        return schedules.computeIfAbsent(input, shape -> Schedule.of(module.toGraph(shape), fuseRelu));
    }

    /**
     * A graph and its ReLUs that run inside the op before them: {@code reluAfter[i]} is the index of
     * the ReLU op folded into op {@code i} (else -1), {@code folded[j]} marks such ReLU ops.
     */
    private record Schedule(Graph graph, int[] reluAfter, boolean[] folded) {
        static Schedule of(Graph g, boolean fuse) {
            List<Op> ops = g.ops();
            int[] readers = new int[g.valueCount()], reluAfter = new int[ops.size()];
            boolean[] folded = new boolean[ops.size()];
            Arrays.fill(reluAfter, -1);
            for (Op op : ops) for (int in : op.inputs()) readers[in]++;
            int[] producer = new int[g.valueCount()];
            Arrays.fill(producer, -1);
            for (int i = 0; i < ops.size(); i++) producer[ops.get(i).output()] = i;
            for (int j = 0; fuse && j < ops.size(); j++) {
                if (!(ops.get(j) instanceof Op.Relu r)) continue;
                int i = producer[r.input()];
                if (i < 0 || readers[r.input()] != 1 || r.input() == g.output()) continue;
                if (ops.get(i) instanceof Op.BatchNorm || ops.get(i) instanceof Op.Add) {
                    reluAfter[i] = j;
                    folded[j] = true;
                }
            }
            return new Schedule(g, reluAfter, folded);
        }
    }

    private Var forward(Op op, Var[] v, Tape tape, boolean training, boolean relu) {
        return switch (op) {
            case Op.Conv c -> {
                if (c.strideH() != c.strideW() || c.kernelH() != c.kernelW() || c.padTop() != c.padLeft()
                        || c.padTop() != c.padBottom() || c.padTop() != c.padRight()) {
                    throw new UnsupportedLayerException(c.name() + ": training needs a square kernel, one stride and"
                            + " symmetric padding");
                }
                yield Ops.conv2d(tape, v[c.input()], param(c.weight()), param(c.bias()), c.groups(), c.strideH(),
                        c.padTop());
            }
            case Op.BatchNorm b -> Ops.batchNorm2d(tape, v[b.input()], param(b.gamma()), param(b.beta()), b.mean(),
                    b.var(), b.eps(), b.momentum(), training, relu);
            case Op.Relu r -> Ops.relu(tape, v[r.input()]);
            case Op.Add a -> Ops.add(tape, v[a.a()], v[a.b()], relu);
            case Op.MaxPool m -> {
                if (m.kernelH() != m.kernelW() || m.strideH() != m.strideW() || m.padTop() != m.padLeft()
                        || m.padTop() != m.padBottom() || m.padTop() != m.padRight()) {
                    throw new UnsupportedLayerException(m.name() + ": training needs a square max-pool window with one"
                            + " stride and symmetric padding");
                }
                yield Ops.maxPool2d(tape, v[m.input()], m.kernelH(), m.strideH(), m.padTop());
            }
            case Op.GlobalAvgPool p -> Ops.globalAvgPool2d(tape, v[p.input()]);
            case Op.Reshape r -> Ops.flatten(tape, v[r.input()]);
            case Op.Linear l -> Ops.linear(tape, v[l.input()], param(l.weight()), param(l.bias()));
            case Op.ShortcutPad s -> Ops.shortcutPad(tape, v[s.input()], s.stride(), s.outChannels(), s.channelsBefore());
            case Op.Affine a -> throw new UnsupportedLayerException(a.name() + ": a per-channel affine op has no"
                    + " training rule (a batch norm trains as BatchNorm)");
            case Op.Softmax s -> throw new UnsupportedLayerException(s.name() + ": train on the logits; the loss"
                    + " (Ops.softmaxCrossEntropy) includes the softmax");
        };
    }
}
