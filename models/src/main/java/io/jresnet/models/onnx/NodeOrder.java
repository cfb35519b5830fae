package io.jresnet.models.onnx;

import io.jresnet.FormatException;
import io.jresnet.UnsupportedLayerException;
import io.jresnet.models.onnx.proto.OnnxProto.NodeProto;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Picks the nodes the graph output depends on and puts them in an execution order: the file's order
 * where it is already topological (ONNX requires that, not every writer obeys), a sorted one where
 * not. Cycles, values nobody provides and values produced twice are named errors.
 */
final class NodeOrder {
    private NodeOrder() {}

    static String label(NodeProto n) {
        String name = !n.getName().isEmpty() ? n.getName() : n.getOutputCount() > 0 ? n.getOutput(0) : "?";
        return n.getOpType() + " node '" + name + "'";
    }

    /**
     * @param available names with a value before any node runs (the input and initializers)
     * @return indices into {@code nodes}, in execution order, of the nodes needed for {@code output}
     */
    static List<Integer> sort(Path file, List<NodeProto> nodes, Set<String> available, String output) {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String out : nodes.get(i).getOutputList()) {
                if (out.isEmpty()) continue;
                if (available.contains(out)) {
                    throw FormatException.in(file, label(nodes.get(i)) + " overwrites '" + out
                            + "', which is a graph input or initializer");
                }
                Integer before = producer.put(out, i);
                if (before != null) {
                    throw FormatException.in(file, "'" + out + "' is produced twice, by " + label(nodes.get(before))
                            + " and " + label(nodes.get(i)));
                }
            }
        }
        // Nodes the output depends on, found by walking back from it.
        boolean[] needed = new boolean[nodes.size()];
        ArrayDeque<String> todo = new ArrayDeque<>();
        todo.push(output);
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (!seen.add(v) || available.contains(v)) continue;
            Integer p = producer.get(v);
            if (p == null) {
                throw FormatException.in(file, "'" + v + "' is used but no node, initializer or graph input provides it"
                        + (v.equals(output) ? " (it is the graph output)" : ""));
            }
            if (needed[p]) continue;
            needed[p] = true;
            for (String in : nodes.get(p).getInputList()) if (!in.isEmpty()) todo.push(in);
        }
        // Kahn's algorithm, lowest file index first so a valid order is kept as it is.
        int[] waiting = new int[nodes.size()];
        Map<String, List<Integer>> readers = new HashMap<>();
        PriorityQueue<Integer> ready = new PriorityQueue<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!needed[i]) continue;
            for (String in : new HashSet<>(nodes.get(i).getInputList())) {
                if (in.isEmpty() || available.contains(in)) continue;
                waiting[i]++;
                readers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            }
            if (waiting[i] == 0) ready.add(i);
        }
        List<Integer> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(i);
            for (String out : nodes.get(i).getOutputList()) {
                for (int r : readers.getOrDefault(out, List.of())) if (--waiting[r] == 0) ready.add(r);
            }
        }
        int count = 0;
        for (boolean b : needed) if (b) count++;
        if (order.size() != count) {
            List<String> stuck = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) if (needed[i] && waiting[i] > 0) stuck.add(label(nodes.get(i)));
            throw FormatException.in(file, "the graph has a cycle through " + String.join(", ",
                    stuck.subList(0, Math.min(stuck.size(), 8))) + (stuck.size() > 8 ? ", ..." : ""));
        }
        return order;
    }

    /** Throws one error naming every node whose op jresnet cannot import. */
    static void checkSupported(Path file, List<NodeProto> nodes, List<Integer> order, Set<String> supported) {
        List<String> bad = new ArrayList<>();
        for (int i : order) {
            NodeProto n = nodes.get(i);
            boolean standard = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
            if (!standard || !supported.contains(n.getOpType())) {
                bad.add((standard ? "" : n.getDomain() + ".") + label(n));
            }
        }
        if (!bad.isEmpty()) {
            throw new UnsupportedLayerException(file + ": unsupported ONNX op" + (bad.size() > 1 ? "s: " : ": ")
                    + String.join(", ", bad.subList(0, Math.min(bad.size(), 20)))
                    + (bad.size() > 20 ? " and " + (bad.size() - 20) + " more" : ""));
        }
    }
}
