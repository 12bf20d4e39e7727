package io.fednas.charts;

import java.util.List;

/** A chart: an id (file and element name), a title, axis labels, and its series. */
public record Chart(String id, String title, String xLabel, String yLabel, List<Series> series) {
  public static final int WIDTH = 760;
  public static final int HEIGHT = 360;
  static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
      "#17becf", "#7f7f7f", "#bcbd22"};

  public Chart {
    if (!id.matches("[a-z0-9-]+")) {
      throw new IllegalArgumentException("chart id must be lower-case letters, digits and '-': " + id);
    }
    series = List.copyOf(series);
  }

  public int drawnPoints() {
    return series.stream().mapToInt(Series::drawnPoints).sum();
  }

  static String color(int i) {
    return COLORS[i % COLORS.length];
  }
}
