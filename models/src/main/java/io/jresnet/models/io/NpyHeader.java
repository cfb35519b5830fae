package io.jresnet.models.io;

import io.jresnet.FormatException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header dictionary of a {@code .npy} file, e.g. {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), }}, parsed as the Python literal it is (not by pattern matching).
 *
 * @param dtype the element type
 * @param order the byte order of the elements
 * @param fortranOrder whether the data is column-major (jresnet reads only row-major)
 * @param dims the shape, each dimension checked to be non-negative and to fit an int
 */
record NpyHeader(DType dtype, ByteOrder order, boolean fortranOrder, int[] dims) {
    /** Nesting deeper than this is no header numpy writes; the limit keeps hostile input off the stack. */
    private static final int MAX_DEPTH = 8;
    private static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    static NpyHeader parse(Path file, String text) {
        Object parsed = new LiteralParser(file, text).parseAll();
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw FormatException.in(file, "header is not a dictionary: " + abbreviate(text));
        }
        if (!dict.keySet().equals(java.util.Set.of("descr", "fortran_order", "shape"))) {
            throw FormatException.in(file, "header keys must be 'descr', 'fortran_order' and 'shape', found "
                    + dict.keySet());
        }
        if (!(dict.get("descr") instanceof String descr)) {
            throw FormatException.in(file, "unsupported dtype " + dict.get("descr") + " (structured dtypes are not"
                    + " supported); expected one of '<f4', '<f8', '<f2', '<i8', '<i4', '|u1'");
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw FormatException.in(file, "'fortran_order' must be True or False, found " + dict.get("fortran_order"));
        }
        if (!(dict.get("shape") instanceof List<?> shape)) {
            throw FormatException.in(file, "'shape' must be a tuple, found " + dict.get("shape"));
        }
        int[] dims = new int[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            if (!(shape.get(i) instanceof Long d)) {
                throw FormatException.in(file, "dimension " + i + " of shape " + shape + " is not an integer");
            }
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw FormatException.in(file, "dimension " + i + " of shape " + shape + " is "
                        + (d < 0 ? "negative" : "larger than " + Integer.MAX_VALUE));
            }
            dims[i] = (int) (long) d;
        }
        return new NpyHeader(dtypeOf(file, descr), orderOf(descr), fortran, dims);
    }

    private static DType dtypeOf(Path file, String descr) {
        if (descr.length() >= 2 && "<>|=".indexOf(descr.charAt(0)) >= 0) {
            DType t = switch (descr.substring(1)) {
                case "f4" -> DType.F32;
                case "f8" -> DType.F64;
                case "f2" -> DType.F16;
                case "i8" -> DType.I64;
                case "i4" -> DType.I32;
                case "u1" -> DType.U8;
                default -> null;
            };
            // '|' means "byte order not applicable": only valid for one-byte types.
            if (t != null && (descr.charAt(0) != '|' || t.bytes == 1)) return t;
        }
        throw FormatException.in(file, "unsupported dtype '" + descr + "'; expected one of '<f4', '<f8', '<f2',"
                + " '<i8', '<i4', '|u1' (or their big-endian forms)");
    }

    private static ByteOrder orderOf(String descr) {
        return switch (descr.charAt(0)) {
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '=' -> ByteOrder.nativeOrder();
            default -> ByteOrder.LITTLE_ENDIAN;
        };
    }

    static String abbreviate(String s) {
        String t = s.strip();
        return t.length() <= 80 ? t : t.substring(0, 77) + "...";
    }

    /** The header as numpy writes it for a little-endian float32 C-order array. */
    static String format(int[] dims) {
        StringBuilder shape = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) shape.append(i == 0 ? "" : ", ").append(dims[i]);
        shape.append(dims.length == 1 ? ",)" : ")");
        return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    /**
     * Parses the subset of Python literals a header can hold: dicts, tuples, lists, strings,
     * integers, True, False and None.
     */
    private static final class LiteralParser {
        private final Path file;
        private final String s;
        private int pos;

        LiteralParser(Path file, String s) {
            this.file = file;
            this.s = s;
        }

        Object parseAll() {
            Object v = value(0);
            skipSpace();
            if (pos != s.length()) throw error("unexpected text after the dictionary");
            return v;
        }

        private FormatException error(String problem) {
            return FormatException.in(file, "malformed header at character " + pos + ": " + problem + " in "
                    + abbreviate(s));
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        private boolean accept(char c) {
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        private Object value(int depth) {
            if (depth > MAX_DEPTH) throw error("nested too deeply");
            skipSpace();
            if (pos >= s.length()) throw error("unexpected end");
            char c = s.charAt(pos);
            if (c == '{') return dict(depth);
            if (c == '(') return sequence(')', depth);
            if (c == '[') return sequence(']', depth);
            if (c == '\'' || c == '"') return string();
            if (c == '-' || Character.isDigit(c)) return integer();
            if (s.startsWith("True", pos)) { pos += 4; return Boolean.TRUE; }
            if (s.startsWith("False", pos)) { pos += 5; return Boolean.FALSE; }
            if (s.startsWith("None", pos)) { pos += 4; return NONE; }
            throw error("unexpected character '" + c + "'");
        }

        private Map<String, Object> dict(int depth) {
            pos++; // '{'
            Map<String, Object> m = new LinkedHashMap<>();
            while (!accept('}')) {
                skipSpace();
                if (pos >= s.length() || (s.charAt(pos) != '\'' && s.charAt(pos) != '"')) throw error("expected a string key");
                String key = string();
                if (!accept(':')) throw error("expected ':' after key '" + key + "'");
                if (m.put(key, value(depth + 1)) != null) throw error("duplicate key '" + key + "'");
                if (!accept(',')) {
                    if (!accept('}')) throw error("expected ',' or '}'");
                    break;
                }
            }
            return m;
        }

        private List<Object> sequence(char close, int depth) {
            pos++; // '(' or '['
            List<Object> items = new ArrayList<>();
            while (!accept(close)) {
                items.add(value(depth + 1));
                if (!accept(',')) {
                    if (!accept(close)) throw error("expected ',' or '" + close + "'");
                    break;
                }
            }
            return items;
        }

        private String string() {
            char quote = s.charAt(pos++);
            int start = pos;
            while (pos < s.length() && s.charAt(pos) != quote) {
                if (s.charAt(pos) == '\\') throw error("escapes in strings are not supported");
                pos++;
            }
            if (pos >= s.length()) throw error("unterminated string");
            return s.substring(start, pos++);
        }

        private Long integer() {
            int start = pos;
            if (s.charAt(pos) == '-') pos++;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            String digits = s.substring(start, pos);
            if (pos < s.length() && s.charAt(pos) == 'L') pos++; // Python 2 long suffix, in old files
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("integer " + digits + " is out of range");
            }
        }
    }
}
