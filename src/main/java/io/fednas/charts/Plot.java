package io.fednas.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The geometry both renderers share: plot area, data ranges with padding, ticks, and mapping. */
final class Plot {
  static final int LEFT = 78;
  static final int RIGHT = 20;
  static final int TOP = 34;
  static final int BOTTOM = 78; // room for the x label and the legend
  final double x0;
  final double x1;
  final double y0;
  final double y1;
  final boolean bars;

  Plot(Chart c) {
    double minX = Double.POSITIVE_INFINITY;
    double maxX = Double.NEGATIVE_INFINITY;
    double minY = Double.POSITIVE_INFINITY;
    double maxY = Double.NEGATIVE_INFINITY;
    boolean anyBars = false;
    for (Series s : c.series()) {
      anyBars |= s.style() == Series.Style.BARS;
      for (int i = 0; i < s.x().length; i++) {
        if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
          minX = Math.min(minX, s.x()[i]);
          maxX = Math.max(maxX, s.x()[i]);
          minY = Math.min(minY, s.y()[i]);
          maxY = Math.max(maxY, s.y()[i]);
        }
      }
    }
    if (minX > maxX) { // nothing to draw: a unit box
      minX = 0;
      maxX = 1;
      minY = 0;
      maxY = 1;
    }
    bars = anyBars;
    if (bars) { // bars stand on zero and need half a slot either side
      minY = Math.min(0, minY);
      minX -= 0.5;
      maxX += 0.5;
    }
    double padX = maxX == minX ? 1 : 0.03 * (maxX - minX);
    double padY = maxY == minY ? Math.max(1e-9, Math.abs(maxY) * 0.1 + 1e-9) : 0.06 * (maxY - minY);
    x0 = bars ? minX : minX - padX;
    x1 = bars ? maxX : maxX + padX;
    y0 = bars && minY == 0 ? 0 : minY - padY;
    y1 = maxY + padY;
  }

  double px(double x) {
    return LEFT + (x - x0) / (x1 - x0) * (Chart.WIDTH - LEFT - RIGHT);
  }

  double py(double y) {
    return Chart.HEIGHT - BOTTOM - (y - y0) / (y1 - y0) * (Chart.HEIGHT - TOP - BOTTOM);
  }

  double barWidth() {
    return Math.max(1, 0.7 * (Chart.WIDTH - LEFT - RIGHT) / Math.max(1, x1 - x0));
  }

  static List<Double> ticks(double lo, double hi) {
    double span = hi - lo;
    double raw = span / 5;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = mag * (raw / mag >= 5 ? 5 : raw / mag >= 2 ? 2 : 1);
    List<Double> out = new ArrayList<>();
    for (double t = Math.ceil(lo / step) * step; t <= hi + 1e-12 * span; t += step) {
      out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return out;
  }

  /** 1234567 -> "1.23M", 0.9712 -> "0.971". */
  static String label(double v) {
    double a = Math.abs(v);
    if (a >= 1e12) {
      return trimZeros(String.format(Locale.ROOT, "%.3g", v / 1e12)) + "T";
    }
    if (a >= 1e9) {
      return trimZeros(String.format(Locale.ROOT, "%.3g", v / 1e9)) + "G";
    }
    if (a >= 1e6) {
      return trimZeros(String.format(Locale.ROOT, "%.3g", v / 1e6)) + "M";
    }
    if (a >= 1e4) {
      return trimZeros(String.format(Locale.ROOT, "%.3g", v / 1e3)) + "k";
    }
    return trimZeros(String.format(Locale.ROOT, "%.4g", v));
  }

  private static String trimZeros(String s) {
    return s.contains(".") && !s.contains("e") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }
}
