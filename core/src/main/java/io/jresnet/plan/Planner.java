package io.jresnet.plan;

import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a {@link Graph} into a {@link Plan}:
 * <ol>
 *   <li>fold each BatchNorm into the conv that feeds it alone: {@code W'[k] = W[k] * s[k]},
 *       {@code b'[k] = b[k] * s[k] + t[k]} with {@code s = gamma / sqrt(var + eps)},
 *       {@code t = beta - mean * s}; a BatchNorm that cannot fold becomes an {@link Op.Affine};</li>
 *   <li>fuse a residual Add into the conv that produces one operand (the shortcut becomes the
 *       conv's residual input), choosing the later conv so the other operand already exists;</li>
 *   <li>fuse a ReLU into the conv, add, affine or linear before it;</li>
 *   <li>drop ops whose results are never used, alias reshapes onto their input's buffer, and give
 *       every value a buffer, reusing buffers whose values are dead.</li>
 * </ol>
 * Fusion only happens where the intermediate value has one reader, so results are unchanged up to
 * float rounding.
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
        List<Op> ops = new ArrayList<>(g.ops());
        if (fuse) {
            foldBatchNorm(g, ops);
            fuseResidualAdd(g, ops);
            fuseRelu(g, ops);
        }
        lowerLeftovers(g, ops);
        removeDead(g, ops);
        return assignBuffers(g, ops);
    }

    /** Readers of each value among the live ops (nulls are removed ops). */
    private static int[] readers(Graph g, List<Op> ops) {
        int[] n = new int[g.valueCount()];
        for (Op op : ops) if (op != null) for (int v : op.inputs()) n[v]++;
        n[g.output()]++;
        return n;
    }

    private static int producerIndex(List<Op> ops, int value) {
        for (int i = 0; i < ops.size(); i++) if (ops.get(i) != null && ops.get(i).output() == value) return i;
        return -1;
    }

    private static void foldBatchNorm(Graph g, List<Op> ops) {
        for (int i = 0; i < ops.size(); i++) {
            if (!(ops.get(i) instanceof Op.BatchNorm bn)) continue;
            int p = producerIndex(ops, bn.input());
            if (p < 0 || !(ops.get(p) instanceof Op.Conv c) || c.residual() >= 0 || c.relu()
                    || readers(g, ops)[bn.input()] != 1) {
                continue;
            }
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
            ops.set(p, c.withEpilogue(Tensor.wrap(w, c.weight().shape()), Tensor.wrap(b, k), -1, false, bn.output()));
            ops.set(i, null);
            // The conv now writes the BN's output value; move it to the BN's position is unnecessary:
            // nothing between them can read the BN's output.
        }
        ops.removeIf(java.util.Objects::isNull);
    }

    private static void fuseResidualAdd(Graph g, List<Op> ops) {
        for (int i = 0; i < ops.size(); i++) {
            if (!(ops.get(i) instanceof Op.Add add) || add.relu()) continue;
            int[] readers = readers(g, ops);
            int pa = producerIndex(ops, add.a());
            int pb = producerIndex(ops, add.b());
            int best = -1;
            int other = -1;
            for (int[] cand : new int[][] {{pa, add.a(), add.b(), pb}, {pb, add.b(), add.a(), pa}}) {
                int p = cand[0];
                if (p < 0 || !(ops.get(p) instanceof Op.Conv c) || c.residual() >= 0 || c.relu()) continue;
                if (readers[cand[1]] != 1 || cand[2] == cand[1]) continue;
                if (cand[3] > p) continue; // the other operand must exist before the conv runs
                if (p > best) {
                    best = p;
                    other = cand[2];
                }
            }
            if (best < 0) continue;
            Op.Conv c = (Op.Conv) ops.get(best);
            ops.set(best, c.withEpilogue(c.weight(), c.bias(), other, false, add.output()));
            ops.set(i, null);
        }
        ops.removeIf(java.util.Objects::isNull);
    }

    private static void fuseRelu(Graph g, List<Op> ops) {
        for (int i = 0; i < ops.size(); i++) {
            if (!(ops.get(i) instanceof Op.Relu r)) continue;
            int p = producerIndex(ops, r.input());
            if (p < 0 || readers(g, ops)[r.input()] != 1) continue;
            Op fused = switch (ops.get(p)) {
                case Op.Conv c when !c.relu() -> c.withEpilogue(c.weight(), c.bias(), c.residual(), true, r.output());
                case Op.Add a when !a.relu() -> new Op.Add(a.name(), a.a(), a.b(), r.output(), true);
                case Op.Affine a when !a.relu() -> new Op.Affine(a.name(), a.input(), r.output(), a.scale(), a.shift(), true);
                case Op.Linear l when !l.relu() -> new Op.Linear(l.name(), l.input(), r.output(), l.weight(), l.bias(), true);
                case Op.BatchNorm bn -> new Op.Affine(bn.name(), bn.input(), r.output(),
                        Tensor.wrap(bn.scale(), bn.gamma().size()), Tensor.wrap(bn.shift(), bn.gamma().size()), true);
                default -> null;
            };
            if (fused == null) continue;
            ops.set(p, fused);
            ops.set(i, null);
        }
        ops.removeIf(java.util.Objects::isNull);
    }

    /** BatchNorm and ReLU that did not fuse become affine ops, which every backend implements. */
    private static void lowerLeftovers(Graph g, List<Op> ops) {
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op instanceof Op.BatchNorm bn) {
                int c = bn.gamma().size();
                ops.set(i, new Op.Affine(bn.name(), bn.input(), bn.output(), Tensor.wrap(bn.scale(), c),
                        Tensor.wrap(bn.shift(), c), false));
            } else if (op instanceof Op.Relu r) {
                Shape s = g.shape(r.input());
                int c = s.rank() >= 2 ? s.dim(1) : 1;
                ops.set(i, new Op.Affine(r.name(), r.input(), r.output(), Tensor.zeros(c).fill(1f), Tensor.zeros(c), true));
            }
        }
    }

    private static void removeDead(Graph g, List<Op> ops) {
        boolean[] needed = new boolean[g.valueCount()];
        needed[g.output()] = true;
        for (int i = ops.size() - 1; i >= 0; i--) {
            Op op = ops.get(i);
            if (!needed[op.output()]) {
                ops.set(i, null);
                continue;
            }
            for (int v : op.inputs()) needed[v] = true;
        }
        ops.removeIf(java.util.Objects::isNull);
    }

    private static Plan assignBuffers(Graph g, List<Op> all) {
        int nv = g.valueCount();
        // A reshape's output is its input's memory: resolve each value to the value that owns it.
        int[] root = new int[nv];
        for (int v = 0; v < nv; v++) root[v] = v;
        List<PlanOp> ops = new ArrayList<>();
        for (Op op : all) {
            switch (op) {
                case Op.Reshape r -> root[r.output()] = root[r.input()];
                case PlanOp p -> ops.add(p);
                // The passes before fold, fuse or lower every other kind; reaching here is a planner bug.
                case Op.BatchNorm b -> throw new IllegalStateException("planner left the batch norm " + b.name() + " in the plan");
                case Op.Relu r -> throw new IllegalStateException("planner left the ReLU " + r.name() + " in the plan");
            }
        }
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
