package io.fednas.report;

import io.fednas.federated.RoundMetrics;
import java.io.PrintStream;
import java.util.Locale;

/** One console line per round: scores, time, time left, and the client cost so far. */
final class Progress {
  private final PrintStream out;
  private final int rounds;
  private double elapsed;

  /** {@code rounds}: the planned total, or 0 when unknown (a search sets its rounds as it goes). */
  Progress(PrintStream out, int rounds) {
    this.out = out;
    this.rounds = rounds;
  }

  void round(RoundMetrics m) {
    elapsed += m.roundSeconds();
    String of = rounds > 0 ? "/" + rounds : "";
    String left = rounds > 0 ? "  left ~" + duration(elapsed / m.round() * (rounds - m.round())) : "";
    out.println(String.format(Locale.ROOT,
        "round %3d%s  test acc %s  val acc %s  train loss %.4f  %5.1fs%s  |  cost: %d trainings, %s train FLOPs, %s down, %s up",
        m.round(), of, pct(m.testAccuracy()), pct(m.validationAccuracy()), m.trainLoss(), m.roundSeconds(),
        left, m.cumClientTrainings(), si(m.cumTrainFlops(), ""), si(m.cumBytesDown(), "B"), si(m.cumBytesUp(), "B")));
    out.flush();
  }

  void line(String s) {
    out.println(s);
    out.flush();
  }

  static String pct(double v) {
    return Double.isNaN(v) ? "   -   " : String.format(Locale.ROOT, "%6.2f%%", 100 * v);
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }

  static String si(double v, String unit) {
    String[] prefixes = {"", "k", "M", "G", "T", "P", "E"};
    int i = 0;
    while (Math.abs(v) >= 1000 && i < prefixes.length - 1) {
      v /= 1000;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s%s", v, prefixes[i], unit);
  }
}
