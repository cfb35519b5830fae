package io.jresnet.models.io;

import io.jresnet.FormatException;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted reader of Python's pickle format (protocols 2 to 5), enough for what {@code
 * torch.save} writes for a state dict and nothing more. It builds plain data (None, bool, int,
 * float, str, bytes, tuple, list, dict) and never runs code: a global is accepted only when the
 * caller allows it by name, and a call ({@code REDUCE}) only goes to the caller's {@link Calls},
 * which knows the handful of torch functions that rebuild tensors. Every other opcode (object
 * construction, extension registries, sets, protocol-0 text forms) and every other global fails with
 * a {@link FormatException} naming the file, the byte offset and what was refused.
 */
final class Pickle {
    /** A Python tuple. */
    record Tuple(List<Object> items) {
        Object get(int i) {
            return items.get(i);
        }

        int size() {
            return items.size();
        }
    }

    /** A global the caller allowed, e.g. {@code torch._utils._rebuild_tensor_v2}. */
    record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** What the caller does with persistent ids and calls. */
    interface Calls {
        /** The object a {@code BINPERSID} id stands for (torch: a storage). */
        Object persistentLoad(Object pid);

        /** The result of calling an allowed global with positional arguments. */
        Object call(Global callable, Tuple args);
    }

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private final Path file;
    private final ByteBuffer in;
    private final Set<String> allowedGlobals;
    private final Calls calls;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();
    private int opcodeAt;

    private Pickle(Path file, ByteBuffer in, Set<String> allowedGlobals, Calls calls) {
        this.file = file;
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
        this.allowedGlobals = allowedGlobals;
        this.calls = calls;
    }

    /**
     * Reads one pickle from {@code in}'s position, leaving the position after its {@code STOP}.
     *
     * @param file the file, for messages
     * @param in the bytes
     * @param allowedGlobals "module.name" of every global that may appear
     * @param calls persistent ids and calls
     * @return the unpickled object
     */
    static Object load(Path file, ByteBuffer in, Set<String> allowedGlobals, Calls calls) {
        Pickle p = new Pickle(file, in, allowedGlobals, calls);
        try {
            return p.run();
        } catch (BufferUnderflowException e) {
            throw p.error("truncated inside an opcode's argument");
        }
    }

    private FormatException error(String problem) {
        return FormatException.in(file, "pickle at byte " + opcodeAt + ": " + problem);
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) throw error("ends without a STOP opcode");
            opcodeAt = in.position();
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int protocol = u8();
                    if (protocol < 2 || protocol > 5) throw error("pickle protocol " + protocol + " (2 to 5 are read)");
                }
                case 0x95 -> skip(8); // FRAME: a length hint, the frame's bytes follow inline
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) throw error("STOP with " + stack.size() + " values on the stack");
                    return stack.getFirst();
                }
                case '(' -> { // MARK
                    marks.add(stack.size());
                    stack.add(MARK);
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) in.getInt()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (in.getShort() & 0xffff)); // BININT2
                case 0x8a -> push(longOf(u8())); // LONG1
                case 0x8b -> push(longOf(length(in.getInt()))); // LONG4
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT: big-endian
                case 'X' -> push(utf8(length(in.getInt()))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(length(in.getLong()))); // BINUNICODE8
                case 'T' -> push(latin1(length(in.getInt()))); // BINSTRING
                case 'U' -> push(latin1(u8())); // SHORT_BINSTRING
                case 'B' -> push(bytes(length(in.getInt()))); // BINBYTES
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e -> push(bytes(length(in.getLong()))); // BINBYTES8
                case ')' -> push(new Tuple(List.of()));
                case 't' -> push(new Tuple(popMark()));
                case 0x85 -> push(tupleOf(1));
                case 0x86 -> push(tupleOf(2));
                case 0x87 -> push(tupleOf(3));
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 'a' -> { // APPEND
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> push(dictOf(popMark())); // DICT
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(key(k), v);
                }
                case 'u' -> { // SETITEMS
                    List<Object> kv = popMark();
                    if (kv.size() % 2 != 0) throw error("SETITEMS with an odd number of values");
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i < kv.size(); i += 2) d.put(key(kv.get(i)), kv.get(i + 1));
                }
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw error("STACK_GLOBAL of non-strings");
                    push(global(m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    if (!(callable instanceof Global g)) throw error("call of a " + typeName(callable) + ", not a global");
                    if (!(args instanceof Tuple t)) throw error("call of " + callable + " with a " + typeName(args));
                    push(calls.call(g, t));
                }
                case 'b' -> { // BUILD: the state torch pickles is an OrderedDict's attributes (_metadata)
                    Object state = pop();
                    if (!(peek() instanceof Map<?, ?>)) throw error("BUILD of a " + typeName(peek()) + " (only dicts take state)");
                    if (state != null && !(state instanceof Map<?, ?>) && !(state instanceof Tuple)) {
                        throw error("BUILD with a " + typeName(state));
                    }
                }
                case 'Q' -> push(calls.persistentLoad(pop())); // BINPERSID
                case 'q' -> memo.put(u8(), peek()); // BINPUT
                case 'r' -> memo.put(index(in.getInt()), peek()); // LONG_BINPUT
                case 0x94 -> memo.put(memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(index(in.getInt()))); // LONG_BINGET
                default -> throw error(String.format("opcode 0x%02x ('%s') is not allowed in a state dict", op,
                        op >= 0x20 && op < 0x7f ? Character.toString(op) : "?"));
            }
        }
    }

    private int u8() {
        need(1);
        return in.get() & 0xff;
    }

    private void need(long n) {
        if (n > in.remaining()) throw error("truncated: needs " + n + " more bytes, " + in.remaining() + " left");
    }

    private int length(long n) {
        if (n < 0) throw error("negative length " + n);
        need(n);
        return (int) n;
    }

    private int index(int i) {
        if (i < 0) throw error("negative memo index " + i);
        return i;
    }

    private void skip(int n) {
        need(n);
        in.position(in.position() + n);
    }

    private byte[] bytes(int n) {
        need(n);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private String utf8(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String latin1(int n) {
        return new String(bytes(n), StandardCharsets.ISO_8859_1);
    }

    /** A newline-terminated ASCII line (GLOBAL's module and name), at most 256 bytes. */
    private String line() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') return sb.toString();
            if (c < 0x20 || c >= 0x7f || sb.length() >= 256) throw error("GLOBAL is not a short ASCII name");
            sb.append((char) c);
        }
    }

    private Object longOf(int n) {
        byte[] le = bytes(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger v = new BigInteger(be); // two's complement, as pickle's LONG1/LONG4
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Global global(String module, String name) {
        String full = module + "." + name;
        if (!allowedGlobals.contains(full)) {
            throw error("global '" + full + "' is not allowed: jresnet reads state dicts (tensors in dicts), never"
                    + " objects or code");
        }
        return new Global(module, name);
    }

    private Object memoGet(int i) {
        if (!memo.containsKey(i)) throw error("memo entry " + i + " was never stored");
        return memo.get(i);
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty() || stack.getLast() == MARK) throw error("stack underflow");
        return stack.removeLast();
    }

    private Object peek() {
        if (stack.isEmpty() || stack.getLast() == MARK) throw error("stack underflow");
        return stack.getLast();
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw error("no MARK to pop to");
        int at = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(at + 1, stack.size()));
        stack.subList(at, stack.size()).clear();
        return items;
    }

    private Tuple tupleOf(int n) {
        if (stack.size() - (marks.isEmpty() ? 0 : marks.getLast() + 1) < n) throw error("stack underflow");
        List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return new Tuple(items);
    }

    private Map<Object, Object> dictOf(List<Object> kv) {
        if (kv.size() % 2 != 0) throw error("DICT with an odd number of values");
        Map<Object, Object> d = new LinkedHashMap<>();
        for (int i = 0; i < kv.size(); i += 2) d.put(key(kv.get(i)), kv.get(i + 1));
        return d;
    }

    /** Keys are what a state dict uses: strings and numbers; tuples of them are hashable too. */
    private Object key(Object k) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Tuple
                || k instanceof BigInteger || k instanceof Double) {
            return k;
        }
        throw error("a dict key of type " + typeName(k));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof List<?> l && !(o instanceof Tuple)) return (List<Object>) l;
        throw error("append to a " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw error("item assignment to a " + typeName(o));
    }

    static String typeName(Object o) {
        return switch (o) {
            case null -> "None";
            case String s -> "str";
            case Long l -> "int";
            case BigInteger b -> "int";
            case Double d -> "float";
            case Boolean b -> "bool";
            case byte[] b -> "bytes";
            case Tuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Global g -> "global " + g;
            default -> o.getClass().getSimpleName();
        };
    }
}
