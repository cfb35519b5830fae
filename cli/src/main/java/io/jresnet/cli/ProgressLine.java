package io.jresnet.cli;

import java.io.PrintWriter;

/**
 * A one-line progress bar redrawn in place with a carriage return, e.g.
 * {@code timing resnet50 [##########          ] 5/10}. Redraws only when the bar changes, so it
 * costs nothing measurable between timed runs.
 */
final class ProgressLine {
    private static final int WIDTH = 20;
    private final PrintWriter err;
    private final String label;
    private final int total;
    private int done;
    private int drawn = -1;

    ProgressLine(PrintWriter err, String label, int total) {
        this.err = err;
        this.label = label;
        this.total = total;
        draw();
    }

    void step() {
        done++;
        draw();
    }

    /** Ends the line so later output starts on a fresh one. */
    void finish() {
        err.println();
        err.flush();
    }

    private void draw() {
        if (done == drawn) return;
        int filled = total == 0 ? WIDTH : (int) ((long) done * WIDTH / total);
        err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total);
        err.flush();
        drawn = done;
    }
}
