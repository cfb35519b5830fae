package io.jresnet.plan;

import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a {@link Graph} of {@link Op}s into a {@link Plan} of {@link PlanOp}s, in one pass over the
 * graph in its (topological) order, each graph op becoming a plan op or fusing into the plan op that
 * produced its input:
 * <ol>
 *   <li>a BatchNorm folds into the conv that feeds it alone: {@code W'[k] = W[k] * s[k]},
 *       {@code b'[k] = b[k] * s[k] + t[k]} with {@code s = gamma / sqrt(var + eps)},
 *       {@code t = beta - mean * s}; one that cannot fold becomes a {@link PlanOp.Affine};</li>
 *   <li>a residual Add fuses into the conv that produces one operand (the shortcut becomes the
 *       conv's residual input), choosing the later conv so the other operand already exists;</li>
 *   <li>a ReLU fuses into the conv, add, affine or linear before it; one that cannot becomes an
 *       affine op with scale 1 and shift 0;</li>
 *   <li>a Reshape becomes an alias of its input's buffer.</li>
 * </ol>
 * Then ops whose results are never used are dropped and every value gets a buffer, reusing buffers
 * whose values are dead. Fusion only happens where the intermediate value has one reader, so results
 * are unchanged up to float rounding.
 */
public final class Planner {
    private Planner() {}

    /**
     * {@return the fused plan of a graph}
     *
     * @param g the graph
     */
    public static Plan plan(Graph g) {
        return plan(g, true);
    }

    /**
     * {@return the plan of a graph, fused or not}
     *
     * @param g the graph
     * @param fuse false keeps every op separate (BN and ReLU become affine ops): useful as an oracle
     */
    public static Plan plan(Graph g, boolean fuse) {
        int nv = g.valueCount();
        int[] readers = g.consumerCounts();
        int[] root = new int[nv]; // a reshape's output is its input's memory: the value that owns each value
        int[] producer = new int[nv]; // the index in ops of the plan op writing each value, or -1
        for (int v = 0; v < nv; v++) root[v] = v;
        Arrays.fill(producer, -1);
        List<PlanOp> ops = new ArrayList<>();
        for (Op op : g.ops()) {
            PlanOp fused = null;
            int at = -1;
            switch (op) {
                case Op.Reshape r -> root[r.output()] = root[r.input()];
                case Op.BatchNorm bn -> {
                    at = fuse && readers[bn.input()] == 1 ? producer[bn.input()] : -1;
                    if (at >= 0 && ops.get(at) instanceof PlanOp.Conv c && c.residual() < 0 && !c.relu()) {
                        fused = foldBatchNorm(c, bn);
                    }
                }
                case Op.Add add when fuse -> {
                    at = residualConv(ops, add, readers, root, producer);
                    if (at >= 0) {
                        PlanOp.Conv c = (PlanOp.Conv) ops.get(at);
                        int other = c.output() == add.a() ? add.b() : add.a();
                        fused = c.withEpilogue(c.weight(), c.bias(), other, false, add.output());
                    }
                }
                case Op.Relu r -> {
                    at = fuse && readers[r.input()] == 1 ? producer[r.input()] : -1;
                    if (at >= 0) fused = withRelu(ops.get(at), r.output());
                }
                default -> { }
            }
            if (fused != null) {
                producer[ops.get(at).output()] = -1;
                ops.set(at, fused);
                producer[fused.output()] = at;
            } else if (!(op instanceof Op.Reshape)) {
                PlanOp p = lower(g, op);
                producer[p.output()] = ops.size();
                ops.add(p);
            }
        }
        removeDead(g, ops, root);
        return assignBuffers(g, ops, root);
    }

    /** The plan op for a graph op that fused into nothing. */
    private static PlanOp lower(Graph g, Op op) {
        return switch (op) {
            case Op.Conv c -> PlanOp.Conv.of(c);
            case Op.BatchNorm bn -> new PlanOp.Affine(bn.name(), bn.input(), bn.output(),
                    Tensor.wrap(bn.scale(), bn.gamma().size()), Tensor.wrap(bn.shift(), bn.gamma().size()), false);
            case Op.Affine a -> new PlanOp.Affine(a.name(), a.input(), a.output(), a.scale(), a.shift(), false);
            case Op.Relu r -> {
                Shape s = g.shape(r.input());
                int c = s.rank() >= 2 ? s.dim(1) : 1;
                yield new PlanOp.Affine(r.name(), r.input(), r.output(), Tensor.zeros(c).fill(1f), Tensor.zeros(c), true);
            }
            case Op.Add a -> new PlanOp.Add(a.name(), a.a(), a.b(), a.output(), false);
            case Op.MaxPool m -> new PlanOp.MaxPool(m.name(), m.input(), m.output(), m.kernelH(), m.kernelW(),
                    m.strideH(), m.strideW(), m.padTop(), m.padLeft(), m.padBottom(), m.padRight());
            case Op.GlobalAvgPool p -> new PlanOp.GlobalAvgPool(p.name(), p.input(), p.output());
            case Op.Linear l -> new PlanOp.Linear(l.name(), l.input(), l.output(), l.weight(), l.bias(), false);
            case Op.ShortcutPad s -> new PlanOp.ShortcutPad(s.name(), s.input(), s.output(), s.stride(), s.outChannels(),
                    s.channelsBefore());
            case Op.Softmax s -> new PlanOp.Softmax(s.name(), s.input(), s.output());
            case Op.Reshape r -> throw new IllegalArgumentException(r.name() + ": a reshape is an alias, not a plan op");
        };
    }

    /** The conv with the batch norm folded into its weights and bias, writing the batch norm's output. */
    private static PlanOp.Conv foldBatchNorm(PlanOp.Conv c, Op.BatchNorm bn) {
        float[] s = bn.scale();
        float[] t = bn.shift();
        int k = c.outChannels();
        int per = c.weight().size() / k;
        float[] w = c.weight().toArray();
        float[] b = c.bias().toArray();
        for (int o = 0; o < k; o++) {
            for (int j = 0; j < per; j++) w[o * per + j] *= s[o];
            b[o] = b[o] * s[o] + t[o];
        }
        return c.withEpilogue(Tensor.wrap(w, c.weight().shape()), Tensor.wrap(b, k), -1, false, bn.output());
    }

    /**
     * The index of the conv an add can fuse into as its residual epilogue, or -1: a conv without an
     * epilogue producing one operand, read only by the add, running after the other operand exists;
     * the later of two such convs.
     */
    private static int residualConv(List<PlanOp> ops, Op.Add add, int[] readers, int[] root, int[] producer) {
        int best = -1;
        for (int[] operand : new int[][] {{add.a(), add.b()}, {add.b(), add.a()}}) {
            int p = producer[operand[0]];
            if (p < 0 || operand[0] == operand[1] || readers[operand[0]] != 1) continue;
            if (!(ops.get(p) instanceof PlanOp.Conv c) || c.residual() >= 0 || c.relu()) continue;
            if (producer[root[operand[1]]] > p) continue; // the other operand must exist before the conv runs
            best = Math.max(best, p);
        }
        return best;
    }

    /** {@code op} with a ReLU fused in, writing {@code output}, or null where it cannot take one. */
    private static PlanOp withRelu(PlanOp op, int output) {
        return switch (op) {
            case PlanOp.Conv c when !c.relu() -> c.withEpilogue(c.weight(), c.bias(), c.residual(), true, output);
            case PlanOp.Add a when !a.relu() -> new PlanOp.Add(a.name(), a.a(), a.b(), output, true);
            case PlanOp.Affine a when !a.relu() -> new PlanOp.Affine(a.name(), a.input(), output, a.scale(), a.shift(), true);
            case PlanOp.Linear l when !l.relu() -> new PlanOp.Linear(l.name(), l.input(), output, l.weight(), l.bias(), true);
            default -> null;
        };
    }

    private static void removeDead(Graph g, List<PlanOp> ops, int[] root) {
        boolean[] needed = new boolean[g.valueCount()];
        needed[root[g.output()]] = true;
        for (int i = ops.size() - 1; i >= 0; i--) {
            PlanOp op = ops.get(i);
            if (!needed[op.output()]) {
                ops.set(i, null);
                continue;
            }
            for (int v : op.inputs()) needed[root[v]] = true;
        }
        ops.removeIf(java.util.Objects::isNull);
    }

    private static Plan assignBuffers(Graph g, List<PlanOp> ops, int[] root) {
        int nv = g.valueCount();
        int end = ops.size();
        int[] lastUse = new int[nv];
        Arrays.fill(lastUse, -1);
        for (int i = 0; i < ops.size(); i++) for (int v : ops.get(i).inputs()) lastUse[root[v]] = i;
        lastUse[root[g.output()]] = end; // read by the caller after the last op
        lastUse[root[g.input()]] = Math.max(lastUse[root[g.input()]], 0);

        int[] bufferOf = new int[nv];
        Arrays.fill(bufferOf, -1);
        List<Long> sizes = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        int in = root[g.input()];
        bufferOf[in] = 0;
        sizes.add(g.shape(in).size());
        for (int i = 0; i < ops.size(); i++) {
            PlanOp op = ops.get(i);
            int out = root[op.output()];
            long need = g.shape(out).size();
            // Best fit among free buffers: the smallest that is large enough, else the largest (grown).
            int pick = -1;
            for (int b : free) {
                long s = sizes.get(b);
                if (pick < 0) { pick = b; continue; }
                long ps = sizes.get(pick);
                boolean fits = s >= need, pickFits = ps >= need;
                if ((fits && (!pickFits || s < ps)) || (!fits && !pickFits && s > ps)) pick = b;
            }
            if (pick < 0) {
                pick = sizes.size();
                sizes.add(need);
            } else {
                free.remove(Integer.valueOf(pick));
                sizes.set(pick, Math.max(sizes.get(pick), need));
            }
            bufferOf[out] = pick;
            // Free the buffers whose values die here, after the output took its buffer, so an op never
            // writes a buffer it reads.
            for (int v : op.inputs()) {
                int r = root[v];
                if (lastUse[r] == i && bufferOf[r] >= 0 && !free.contains(bufferOf[r])) free.add(bufferOf[r]);
            }
            if (lastUse[out] < 0 && !free.contains(pick)) free.add(pick); // written, never read
        }
        for (int v = 0; v < nv; v++) if (root[v] != v) bufferOf[v] = bufferOf[root[v]];
        long[] bufferFloats = sizes.stream().mapToLong(Long::longValue).toArray();
        return new Plan(g, ops, bufferOf, bufferFloats, root);
    }
}
