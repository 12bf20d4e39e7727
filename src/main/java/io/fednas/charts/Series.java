package io.fednas.charts;

/**
 * One named set of points. NaN y values are gaps (a metric not measured that round). {@code labels}
 * (may be null) are shown as tooltips and, for {@link Style#MARKER}, next to the point.
 */
public record Series(String name, double[] x, double[] y, Style style, String[] labels) {
  public enum Style { LINE, LINE_POINTS, POINTS, BARS, MARKER }

  public Series {
    if (x.length != y.length || (labels != null && labels.length != x.length)) {
      throw new IllegalArgumentException("series " + name + ": x, y and labels differ in length");
    }
  }

  public Series(String name, double[] x, double[] y, Style style) {
    this(name, x, y, style, null);
  }

  /** Points with a finite y: what is actually drawn. */
  public int drawnPoints() {
    int n = 0;
    for (int i = 0; i < y.length; i++) {
      if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
        n++;
      }
    }
    return n;
  }
}
