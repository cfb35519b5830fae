package io.jresnet.models.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.models.Classifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The results of a batch job, one row per image, as CSV or JSON Lines (chosen by the file's
 * extension, {@code .csv} or {@code .jsonl}). Rows are appended a batch at a time and forced to disk,
 * so a job that is interrupted loses at most the batch in flight; opening an existing file resumes
 * it: the paths already in it are {@link #done()}, and a last row cut short by the interruption is
 * dropped.
 * <ul>
 *   <li>CSV: a header {@code path,status,error,label_1,class_1,probability_1,...} for {@code k}
 *       predictions (and a last column {@code embedding}, its values separated by spaces, when asked
 *       for), then one row per image; {@code status} is {@code ok} or {@code error}.</li>
 *   <li>JSON Lines: {@code {"path": ..., "status": "ok", "top": [{"label": ..., "class": ...,
 *       "probability": ...}, ...], "embedding": [...]}} or {@code {"path": ..., "status": "error",
 *       "error": ...}}.</li>
 * </ul>
 */
public final class ResultsFile implements ResultsSink {
    private static final ObjectMapper JSON = new ObjectMapper();

    private enum Format { CSV, JSONL }

    private final Path file;
    private final Format format;
    private final int k;
    private final boolean embeddings;
    private final FileChannel channel;
    private final Set<String> done = new HashSet<>();

    private ResultsFile(Path file, Format format, int k, boolean embeddings, FileChannel channel) {
        this.file = file;
        this.format = format;
        this.k = k;
        this.embeddings = embeddings;
        this.channel = channel;
    }

    /**
     * Opens {@code file} for a job with {@code k} predictions per image, creating it or resuming it.
     *
     * @param file a {@code .csv} or {@code .jsonl} file
     * @param k predictions per image
     * @return the open file, for the caller to close
     * @throws FormatException naming the file when its extension is neither, or an existing file was
     *     written with another {@code k} or is not such a results file
     * @throws IOException if it cannot be read or written
     */
    public static ResultsFile open(Path file, int k) throws IOException {
        return open(file, k, false);
    }

    /**
     * Opens {@code file} for a job with {@code k} predictions per image and, when {@code embeddings},
     * each image's embedding; creating it or resuming it.
     *
     * @param file a {@code .csv} or {@code .jsonl} file
     * @param k predictions per image
     * @param embeddings whether rows carry embeddings (a CSV header says so; resume with the same choice)
     * @return the open file, for the caller to close
     * @throws FormatException as {@link #open(Path, int)}
     * @throws IOException if it cannot be read or written
     */
    public static ResultsFile open(Path file, int k, boolean embeddings) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Format format = name.endsWith(".csv") ? Format.CSV : name.endsWith(".jsonl") ? Format.JSONL : null;
        if (format == null) {
            throw FormatException.in(file, "unknown results format: the name must end in .csv or .jsonl");
        }
        if (k < 1) throw new JResnetException("k must be at least 1, found " + k);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            ResultsFile r = new ResultsFile(file, format, k, embeddings, ch);
            r.resume();
            return r;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Reads the rows already written, drops a torn last one, and positions at the end. */
    private void resume() throws IOException {
        long size = channel.size();
        if (size > Integer.MAX_VALUE - 8) throw FormatException.in(file, "over 2 GiB of results; start a new file");
        ByteBuffer all = ByteBuffer.allocate((int) size);
        while (all.hasRemaining()) {
            if (channel.read(all, all.position()) < 0) break;
        }
        String text = new String(all.array(), 0, all.position(), StandardCharsets.UTF_8);
        int complete = text.lastIndexOf('\n') + 1; // a row ends with its newline; anything after is torn
        if (complete < text.length()) channel.truncate(text.substring(0, complete).getBytes(StandardCharsets.UTF_8).length);
        List<String> lines = text.substring(0, complete).lines().toList();
        if (format == Format.CSV) {
            if (lines.isEmpty()) {
                write(csvHeader() + "\n");
            } else if (!lines.getFirst().equals(csvHeader())) {
                throw FormatException.in(file, "its header is not the one of a job with " + k
                        + " predictions per image" + (embeddings ? " and embeddings" : "") + " (" + csvHeader()
                        + "): resume with the same --top and --embeddings, or start a new file");
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) done.add(firstCsvField(line));
        } else {
            int lineNo = 0;
            for (String line : lines) {
                lineNo++;
                try {
                    JsonNode row = JSON.readTree(line);
                    if (row == null || !row.path("path").isTextual()) throw new IllegalArgumentException("no path");
                    done.add(row.get("path").asText());
                } catch (JsonProcessingException | IllegalArgumentException e) {
                    throw FormatException.in(file, "line " + lineNo + " is not a results row: " + e.getMessage());
                }
            }
        }
        channel.position(channel.size());
    }

    /** {@return the paths already in the file, as they were written} */
    @Override
    public Set<String> done() {
        return Set.copyOf(done);
    }

    /**
     * Appends rows and forces them to disk.
     *
     * @param rows the rows, in order
     * @throws IOException if the file cannot be written
     */
    @Override
    public void append(List<ClassifiedImage> rows) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (ClassifiedImage r : rows) {
            sb.append(format == Format.CSV ? csvRow(r) : jsonRow(r)).append('\n');
            done.add(r.path());
        }
        write(sb.toString());
        channel.force(false);
    }

    private void write(String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) channel.write(b);
    }

    private String csvHeader() {
        StringBuilder sb = new StringBuilder("path,status,error");
        for (int i = 1; i <= k; i++) sb.append(",label_").append(i).append(",class_").append(i).append(",probability_").append(i);
        if (embeddings) sb.append(",embedding");
        return sb.toString();
    }

    private String csvRow(ClassifiedImage r) {
        if (r.path().indexOf('\n') >= 0 || r.path().indexOf('\r') >= 0) {
            throw new JResnetException(file + ": the path '" + r.path().replace("\n", "\\n")
                    + "' has a line break, which a CSV row cannot hold here; write .jsonl instead");
        }
        StringBuilder sb = new StringBuilder(csv(r.path())).append(',').append(r.ok() ? "ok" : "error").append(',')
                .append(r.ok() ? "" : csv(r.error().replaceAll("\\s*\\R\\s*", " ")));
        for (int i = 0; i < k; i++) {
            if (i < r.top().size()) {
                Classifier.Prediction p = r.top().get(i);
                sb.append(',').append(csv(p.label())).append(',').append(p.index()).append(',')
                        .append(String.format(Locale.ROOT, "%.6f", p.probability()));
            } else {
                sb.append(",,,");
            }
        }
        if (embeddings) {
            sb.append(',');
            if (r.embedding() != null) {
                for (int i = 0; i < r.embedding().length; i++) {
                    if (i > 0) sb.append(' ');
                    sb.append(r.embedding()[i]);
                }
            }
        }
        return sb.toString();
    }

    private String jsonRow(ClassifiedImage r) {
        ObjectNode o = JSON.createObjectNode().put("path", r.path()).put("status", r.ok() ? "ok" : "error");
        if (r.ok()) {
            ArrayNode top = o.putArray("top");
            for (Classifier.Prediction p : r.top()) {
                top.addObject().put("label", p.label()).put("class", p.index()).put("probability", p.probability());
            }
            if (embeddings && r.embedding() != null) {
                ArrayNode e = o.putArray("embedding");
                for (float v : r.embedding()) e.add(v);
            }
        } else {
            o.put("error", r.error());
        }
        return o.toString();
    }

    /** RFC 4180: a field with a comma, quote or leading/trailing space is quoted, quotes doubled. */
    private static String csv(String s) {
        boolean quote = s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || (!s.isEmpty() && (s.charAt(0) == ' '
                || s.charAt(s.length() - 1) == ' '));
        return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    private String firstCsvField(String line) {
        if (!line.startsWith("\"")) {
            int comma = line.indexOf(',');
            return comma < 0 ? line : line.substring(0, comma);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c != '"') {
                sb.append(c);
            } else if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                sb.append('"');
                i++;
            } else {
                return sb.toString();
            }
        }
        throw FormatException.in(file, "a row's quoted path never ends: " + line);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
