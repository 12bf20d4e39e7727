package io.fednas.charts;

import java.util.Locale;

/**
 * A chart as inline SVG. The root element carries {@code data-chart} (the id) and
 * {@code data-points} (how many data points are drawn), so a browser test can check that each
 * chart rendered with data.
 */
public final class SvgChart implements Canvas {
  private final StringBuilder sb = new StringBuilder();

  private SvgChart() {}

  public static String render(Chart c) {
    SvgChart svg = new SvgChart();
    svg.sb.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"%s\" data-points=\"%d\" "
            + "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">%n",
        c.id(), c.drawnPoints(), Chart.WIDTH, Chart.HEIGHT, Chart.WIDTH, Chart.HEIGHT, escape(c.title())));
    svg.sb.append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
    ChartPainter.paint(c, svg);
    svg.sb.append("</svg>\n");
    return svg.sb.toString();
  }

  public static String escapeText(String s) {
    return escape(s);
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  @Override
  public void line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed) {
    sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
        + "stroke-width=\"%.1f\"%s/>%n", x1, y1, x2, y2, color, width, dashed ? " stroke-dasharray=\"4 3\"" : ""));
  }

  @Override
  public void polyline(double[] xs, double[] ys, int n, String color, double width) {
    sb.append("<polyline class=\"series\" fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"")
        .append(width).append("\" points=\"");
    for (int i = 0; i < n; i++) {
      sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", xs[i], ys[i]));
    }
    sb.append("\"/>\n");
  }

  @Override
  public void circle(double x, double y, double r, String color, String tooltip) {
    sb.append(String.format(Locale.ROOT, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\">"
        + "<title>%s</title></circle>%n", x, y, r, color, escape(tooltip)));
  }

  @Override
  public void rect(double x, double y, double w, double h, String color, String tooltip) {
    if (tooltip == null) { // a legend key, not data
      sb.append(String.format(Locale.ROOT, "<rect class=\"legend\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
          + "height=\"%.1f\" fill=\"%s\"/>%n", x, y, w, h, color));
      return;
    }
    sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
        + "fill=\"%s\"><title>%s</title></rect>%n", x, y, w, h, color, escape(tooltip)));
  }

  @Override
  public void text(double x, double y, String s, int size, Anchor anchor, boolean vertical, String color) {
    String a = anchor.name().toLowerCase(Locale.ROOT);
    String rot = vertical ? String.format(Locale.ROOT, " transform=\"rotate(-90 %.1f %.1f)\"", x, y) : "";
    sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\" fill=\"%s\" "
        + "font-family=\"sans-serif\"%s>%s</text>%n", x, y, size, a, color, rot, escape(s)));
  }
}
