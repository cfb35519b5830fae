package io.jresnet.cli.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * PNG figures of training curves, in the style of He et al.'s CIFAR figure: error (%) per epoch,
 * training error thin, test error bold, one colour per network.
 */
public final class Charts {
    private static final Color[] COLOURS = {
        new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
    private static final BasicStroke THIN = new BasicStroke(1f);
    private static final BasicStroke BOLD = new BasicStroke(3f);
    private static final BasicStroke DASHED = new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {6f, 4f}, 0f);

    private Charts() {}

    /** One run's training and test error per epoch. */
    public static void curves(String title, List<EpochMetrics> history, Path png) throws IOException {
        errorFigure(title, Map.of(title, history), png);
    }

    /**
     * Several runs in one figure: for each (in the map's order) its training error as a thin line and
     * its test error as a bold line of the same colour.
     */
    public static void errorFigure(String title, Map<String, List<EpochMetrics>> runs, Path png) throws IOException {
        XYSeriesCollection data = errorSeries(runs);
        boolean singlePoints = runs.values().stream().anyMatch(h -> h.size() < 2);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", "error (%)", data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setRenderer(renderer(runs.size(), singlePoints));
        plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 560);
    }

    /**
     * The paper's CIFAR figure (He et al., Fig. 6): plain nets on the left, residual nets on the
     * right, one shared error axis; training error dashed and thin, test error bold; the n-th net
     * of each side has the same colour, so plain-20 and ResNet-20 compare at a glance.
     */
    public static void sideBySide(String title, String leftTitle, Map<String, List<EpochMetrics>> left,
                                  String rightTitle, Map<String, List<EpochMetrics>> right, Path png) throws IOException {
        NumberAxis error = new NumberAxis("error (%)");
        error.setAutoRangeIncludesZero(true);
        CombinedRangeXYPlot combined = new CombinedRangeXYPlot(error);
        combined.setGap(16);
        for (Map.Entry<String, Map<String, List<EpochMetrics>>> side : List.of(Map.entry(leftTitle, left),
                Map.entry(rightTitle, right))) {
            XYSeriesCollection data = errorSeries(side.getValue());
            boolean singlePoints = side.getValue().values().stream().anyMatch(h -> h.size() < 2);
            NumberAxis epochs = new NumberAxis("epoch (" + side.getKey() + ")");
            epochs.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            epochs.setAutoRangeIncludesZero(false);
            XYLineAndShapeRenderer renderer = renderer(side.getValue().size(), singlePoints);
            for (int run = 0; run < side.getValue().size(); run++) {
                renderer.setSeriesStroke(2 * run, DASHED);
            }
            XYPlot plot = new XYPlot(data, epochs, null, renderer);
            plot.setBackgroundPaint(Color.WHITE);
            plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            combined.add(plot, 1);
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, combined, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1100, 560);
    }

    /** For each run, its training error (%) per epoch, then its test error (%) per epoch. */
    private static XYSeriesCollection errorSeries(Map<String, List<EpochMetrics>> runs) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<EpochMetrics>> run : runs.entrySet()) {
            XYSeries train = new XYSeries(run.getKey() + " train"), test = new XYSeries(run.getKey() + " test");
            for (EpochMetrics m : run.getValue()) {
                train.add(m.epoch(), 100 * m.trainError());
                if (!Double.isNaN(m.testError())) test.add(m.epoch(), 100 * m.testError());
            }
            data.addSeries(train);
            data.addSeries(test);
        }
        return data;
    }

    /** Run i's training error (series 2i, thin) and test error (2i+1, bold) in colour i. */
    private static XYLineAndShapeRenderer renderer(int runs, boolean singlePoints) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, singlePoints); // one point draws no line
        for (int run = 0; run < runs; run++) {
            Color colour = COLOURS[run % COLOURS.length];
            renderer.setSeriesPaint(2 * run, colour);
            renderer.setSeriesStroke(2 * run, THIN);
            renderer.setSeriesPaint(2 * run + 1, colour);
            renderer.setSeriesStroke(2 * run + 1, BOLD);
        }
        return renderer;
    }
}
