package io.jresnet.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/** Bar chart of median latency per model and batch, one bar per engine. */
final class LatencyChart {
    private LatencyChart() {}

    static void write(List<OnnxRuntimeSideBySide.Result> results, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (OnnxRuntimeSideBySide.Result r : results) {
            String category = r.model() + " b" + r.batch();
            data.addValue(r.jresnetMedianMs() / r.batch(), "jresnet " + r.backend(), category);
            data.addValue(r.ortMedianMs() / r.batch(), "ONNX Runtime", category);
        }
        JFreeChart chart = ChartFactory.createBarChart("Median latency per image (lower is better)", "model, batch",
                "ms per image", data, PlotOrientation.VERTICAL, true, false, false);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 500);
    }
}
