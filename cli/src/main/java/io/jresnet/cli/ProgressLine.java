package io.jresnet.cli;

import java.io.Console;
import java.io.PrintWriter;

/**
 * A one-line progress bar redrawn in place with a carriage return, e.g.
 * {@code timing resnet50 [##########          ] 5/10}, on a terminal only: piped into a file or
 * another program, the carriage returns would be noise. It redraws when the bar grows or a quarter
 * of a second has passed, never per step: drawing between timed runs of a small model (a few
 * milliseconds each) made the workers of the cpu backend park between runs and multiplied the
 * measured latency.
 */
final class ProgressLine {
    private static final int WIDTH = 20;
    private static final long REDRAW_NANOS = 250_000_000L;
    private final PrintWriter err;
    private final String label;
    private final int total;
    private final boolean visible;
    private final String unit;
    private final long start = System.nanoTime();
    private int done;
    private int drawnFilled = -1;
    private long drawnAt;

    ProgressLine(PrintWriter err, String label, int total) {
        this(err, label, total, onTerminal());
    }

    ProgressLine(PrintWriter err, String label, int total, boolean visible) {
        this(err, label, total, visible, null);
    }

    /**
     * A bar that also shows the rate and the time left, e.g. {@code ... 300/1000, 41.5 images/s, 0:17 left}.
     *
     * @param unit what is counted, e.g. "images"; null for no rate
     */
    ProgressLine(PrintWriter err, String label, int total, boolean visible, String unit) {
        this.err = err;
        this.label = label;
        this.total = total;
        this.visible = visible;
        this.unit = unit;
        draw(true);
    }

    /** Moves the bar to {@code count} done. */
    void set(int count) {
        done = count;
        draw(done == total);
    }

    /** {@return whether the process has a terminal, where a redrawn line makes sense} */
    static boolean onTerminal() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    void step() {
        done++;
        draw(done == total);
    }

    /** Ends the line so later output starts on a fresh one. */
    void finish() {
        if (!visible) return;
        err.println();
        err.flush();
    }

    private void draw(boolean force) {
        if (!visible) return;
        int filled = total == 0 ? WIDTH : (int) ((long) done * WIDTH / total);
        long now = System.nanoTime();
        if (!force && filled == drawnFilled && now - drawnAt < REDRAW_NANOS) return;
        String rate = "";
        double seconds = (now - start) / 1e9;
        if (unit != null && done > 0 && seconds > 0) {
            double perSecond = done / seconds;
            long left = Math.round((total - done) / perSecond);
            rate = String.format(java.util.Locale.ROOT, ", %.1f %s/s, %d:%02d left", perSecond, unit, left / 60, left % 60);
        }
        err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total + rate);
        err.flush();
        drawnFilled = filled;
        drawnAt = now;
    }
}
