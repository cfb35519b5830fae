package io.jresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    @Test
    void offATerminalItPrintsNothing() {
        StringWriter text = new StringWriter();
        ProgressLine line = new ProgressLine(new PrintWriter(text), "timing", 100, false);
        for (int i = 0; i < 100; i++) line.step();
        line.finish();
        assertEquals("", text.toString());
    }

    @Test
    void onATerminalItRedrawsWhenTheBarGrowsNotPerStep() {
        StringWriter text = new StringWriter();
        ProgressLine line = new ProgressLine(new PrintWriter(text), "timing", 10_000, true);
        for (int i = 0; i < 10_000; i++) line.step();
        line.finish();
        long redraws = text.toString().chars().filter(c -> c == '\r').count();
        // The first draw, one per bar step (20), the final count, and at most a few timed redraws.
        assertTrue(redraws >= 21 && redraws <= 40, redraws + " redraws for 10000 steps");
        assertTrue(text.toString().endsWith("] 10000/10000" + System.lineSeparator()), text.toString());
    }

    @Test
    void withAUnitItShowsTheRateAndTheTimeLeft() throws InterruptedException {
        StringWriter text = new StringWriter();
        ProgressLine line = new ProgressLine(new PrintWriter(text), "classifying", 1000, true, "images");
        Thread.sleep(20);
        line.set(500);
        line.set(1000);
        line.finish();
        String last = text.toString().substring(text.toString().lastIndexOf('\r') + 1).strip();
        assertTrue(last.matches("classifying \\[#{20}\\] 1000/1000, [0-9.]+ images/s, 0:00 left"), last);
    }
}
