package io.jresnet.cli.train;

import io.jresnet.JResnetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One row of {@code metrics.csv}: errors are fractions in [0, 1], the rate is the last one used. */
public record EpochMetrics(int epoch, double trainLoss, double trainError, double testError, double seconds,
                           double learningRate) {
    static final String HEADER = "epoch,train_loss,train_error,test_error,seconds,lr";

    String csv() {
        return String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.3f,%.6g", epoch, trainLoss, trainError, testError, seconds,
                learningRate);
    }

    /** Writes {@code rows} with a header (the whole file: a resumed run rewrites what it kept). */
    public static void write(Path file, List<EpochMetrics> rows) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        for (EpochMetrics r : rows) lines.add(r.csv());
        Files.write(file, lines);
    }

    public static List<EpochMetrics> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new JResnetException(file + ": not a metrics file (expected the header '" + HEADER + "')");
        }
        List<EpochMetrics> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            if (f.length != 6) throw new JResnetException(file + " line " + (i + 1) + ": expected 6 fields, found " + f.length);
            try {
                rows.add(new EpochMetrics(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                        Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5])));
            } catch (NumberFormatException e) {
                throw new JResnetException(file + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return rows;
    }
}
