package io.jresnet.models.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
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
        XYSeriesCollection data = new XYSeriesCollection();
        boolean singlePoints = false;
        for (Map.Entry<String, List<EpochMetrics>> run : runs.entrySet()) {
            XYSeries train = new XYSeries(run.getKey() + " train"), test = new XYSeries(run.getKey() + " test");
            for (EpochMetrics m : run.getValue()) {
                train.add(m.epoch(), 100 * m.trainError());
                if (!Double.isNaN(m.testError())) test.add(m.epoch(), 100 * m.testError());
            }
            singlePoints |= run.getValue().size() < 2;
            data.addSeries(train);
            data.addSeries(test);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", "error (%)", data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, singlePoints); // one point draws no line
        for (int run = 0; run < runs.size(); run++) {
            Color colour = COLOURS[run % COLOURS.length];
            renderer.setSeriesPaint(2 * run, colour);
            renderer.setSeriesStroke(2 * run, THIN);
            renderer.setSeriesPaint(2 * run + 1, colour);
            renderer.setSeriesStroke(2 * run + 1, BOLD);
        }
        plot.setRenderer(renderer);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 560);
    }
}
