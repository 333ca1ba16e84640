package dev.zerowire.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * One PNG bar chart per scenario (XChart): the scenario's primary unit, one bar group per
 * parameter, one bar per implementation, at the median of the repetitions. Rendered headless.
 */
final class Charts {
  private Charts() {}

  /** Writes {@code DIR/<scenario>.png} for every scenario with rows; returns the files written. */
  static List<Path> write(Path dir, List<Row> rows) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Path> written = new ArrayList<>();
    Set<String> scenarios = new LinkedHashSet<>();
    rows.forEach(r -> scenarios.add(r.scenario()));
    for (String scenario : scenarios) {
      List<Row> mine = rows.stream().filter(r -> r.scenario().equals(scenario)).toList();
      String unit = mine.get(0).unit();
      List<Row> shown = mine.stream().filter(r -> r.unit().equals(unit)).toList();
      Path file = dir.resolve(scenario + ".png");
      BitmapEncoder.saveBitmap(chart(scenario, unit, shown), file.toString(), BitmapEncoder.BitmapFormat.PNG);
      written.add(file);
    }
    return written;
  }

  static CategoryChart chart(String scenario, String unit, List<Row> rows) {
    List<String> params = new ArrayList<>(new LinkedHashSet<>(rows.stream().map(Row::param).toList()));
    List<String> impls = new ArrayList<>(new LinkedHashSet<>(rows.stream().map(Row::impl).toList()));
    CategoryChart chart = new CategoryChartBuilder().width(1000).height(560)
        .title(scenario + " (median of repetitions)").xAxisTitle("").yAxisTitle(unit).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setPlotGridVerticalLinesVisible(false);
    chart.getStyler().setOverlapped(false);
    for (String impl : impls) {
      List<Double> ys = new ArrayList<>();
      for (String p : params) {
        ys.add(rows.stream().filter(r -> r.impl().equals(impl) && r.param().equals(p)).findFirst()
            .map(Row::median).orElse(0.0));
      }
      chart.addSeries(impl, params, ys);
    }
    return chart;
  }
}
