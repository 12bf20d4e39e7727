package io.fednas.charts;

import java.util.Locale;

/** Draws a chart onto any canvas: frame, grid and ticks, the series, title, axis labels, legend. */
final class ChartPainter {
  private ChartPainter() {}

  static void paint(Chart c, Canvas g) {
    Plot p = new Plot(c);
    double left = Plot.LEFT;
    double right = Chart.WIDTH - Plot.RIGHT;
    double top = Plot.TOP;
    double bottom = Chart.HEIGHT - Plot.BOTTOM;
    for (double t : Plot.ticks(p.y0, p.y1)) {
      double y = p.py(t);
      g.line(left, y, right, y, "#e5e5e5", 1, false);
      g.text(left - 6, y + 4, Plot.label(t), 11, Canvas.Anchor.END, false, "#444");
    }
    for (double t : Plot.ticks(p.x0, p.x1)) {
      if (p.bars && t != Math.rint(t)) {
        continue; // bars stand on whole numbers
      }
      double x = p.px(t);
      g.line(x, bottom, x, bottom + 4, "#444", 1, false);
      g.text(x, bottom + 17, Plot.label(t), 11, Canvas.Anchor.MIDDLE, false, "#444");
    }
    g.line(left, bottom, right, bottom, "#444", 1, false);
    g.line(left, top, left, bottom, "#444", 1, false);

    for (int s = 0; s < c.series().size(); s++) {
      drawSeries(c.series().get(s), Chart.color(s), p, g);
    }

    g.text(Chart.WIDTH / 2.0, 20, c.title(), 14, Canvas.Anchor.MIDDLE, false, "#111");
    g.text((left + right) / 2, bottom + 36, c.xLabel(), 12, Canvas.Anchor.MIDDLE, false, "#222");
    g.text(18, (top + bottom) / 2, c.yLabel(), 12, Canvas.Anchor.MIDDLE, true, "#222");
    double lx = left;
    double ly = Chart.HEIGHT - 14;
    for (int s = 0; s < c.series().size(); s++) {
      String name = c.series().get(s).name();
      g.rect(lx, ly - 9, 12, 10, Chart.color(s), null);
      g.text(lx + 16, ly, name, 11, Canvas.Anchor.START, false, "#222");
      lx += 30 + 6.5 * name.length();
    }
  }

  private static void drawSeries(Series s, String color, Plot p, Canvas g) {
    double[] xs = new double[s.x().length];
    double[] ys = new double[s.x().length];
    int n = 0;
    boolean lines = s.style() == Series.Style.LINE || s.style() == Series.Style.LINE_POINTS;
    for (int i = 0; i < s.x().length && lines; i++) {
      if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
        xs[n] = p.px(s.x()[i]);
        ys[n] = p.py(s.y()[i]);
        n++;
      } else if (n > 0) { // a gap (NaN: not measured) ends the segment
        g.polyline(xs, ys, n, color, 2);
        n = 0;
      }
    }
    if (n > 0) {
      g.polyline(xs, ys, n, color, 2);
    }
    for (int i = 0; i < s.x().length; i++) {
      if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) {
        continue;
      }
      String tip = String.format(Locale.ROOT, "%s: x %s, y %s%s", s.name(), Plot.label(s.x()[i]), Plot.label(s.y()[i]),
          s.labels() == null ? "" : " (" + s.labels()[i] + ")");
      double x = p.px(s.x()[i]);
      double y = p.py(s.y()[i]);
      switch (s.style()) {
        case LINE_POINTS, POINTS -> g.circle(x, y, 3.5, color, tip);
        case MARKER -> {
          g.circle(x, y, 7, color, tip);
          if (s.labels() != null) {
            g.text(x + 10, y - 8, s.labels()[i], 11, Canvas.Anchor.START, false, color);
          }
        }
        case BARS -> {
          double w = p.barWidth();
          double zero = p.py(Math.max(p.y0, 0));
          g.rect(x - w / 2, Math.min(y, zero), w, Math.abs(zero - y), color, tip);
        }
        default -> { }
      }
    }
  }
}
