package io.fednas.report;

import io.fednas.federated.RoundMetrics;
import io.fednas.search.SearchProgress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * One console line per round (scores, time, time left, client cost so far), per short-term round
 * of a search and per tournament decision. Time left = mean round time so far x rounds left, where
 * a search revises the rounds left as it learns how long its iterations take.
 */
public final class Progress implements SearchProgress {
  private final PrintStream out;
  private final int rounds;
  private double elapsed;
  private int done;
  private int roundsLeft = -1;

  /** {@code rounds}: the planned total, or 0 when unknown (a search sets its rounds as it goes). */
  public Progress(PrintStream out, int rounds) {
    this.out = out;
    this.rounds = rounds;
    this.roundsLeft = rounds > 0 ? rounds : -1;
  }

  @Override
  public void roundsLeft(int left) {
    roundsLeft = left;
  }

  /** Counts one finished round and returns the "left ~" text for its line. */
  private String countRoundAndEstimate(double seconds) {
    elapsed += seconds;
    done++;
    if (roundsLeft > 0) {
      roundsLeft--;
    }
    return roundsLeft < 0 ? "" : "  left ~" + duration(elapsed / done * roundsLeft);
  }

  @Override
  public void shortTermRound(int round, int iteration, String what, double seconds) {
    line(String.format(Locale.ROOT, "round %3d  iteration %d: %s  %5.1fs%s", round, iteration, what, seconds,
        countRoundAndEstimate(seconds)));
  }

  public void round(RoundMetrics m) {
    String of = rounds > 0 ? "/" + rounds : "";
    String left = countRoundAndEstimate(m.roundSeconds());
    out.println(String.format(Locale.ROOT,
        "round %3d%s  test acc %s  val acc %s  train loss %.4f  %5.1fs%s%s  |  cost: %d trainings, %s train FLOPs, %s down, %s up%s",
        m.round(), of, pct(m.testAccuracy()), pct(m.validationAccuracy()), m.trainLoss(), m.roundSeconds(),
        left, failures(m), m.cumClientTrainings(), si(m.cumTrainFlops(), ""), si(m.cumBytesDown(), "B"),
        si(m.cumBytesUp(), "B"), Double.isNaN(m.epsilon()) ? "" : String.format(Locale.ROOT, "  |  epsilon %.3g",
            m.epsilon())));
    out.flush();
  }

  /** "  3/10 clients failed" when some did, "  ROUND FAILED" when none was aggregated. */
  private static String failures(RoundMetrics m) {
    if (m.clientsFailed() == 0) {
      return "";
    }
    return String.format(Locale.ROOT, "  %d/%d clients failed%s", m.clientsFailed(), m.clientsSampled(),
        m.clientsTrained() == 0 ? ": ROUND FAILED, model kept" : "");
  }

  @Override
  public void line(String s) {
    out.println(s);
    out.flush();
  }

  public static String pct(double v) {
    return Double.isNaN(v) ? "   -   " : String.format(Locale.ROOT, "%6.2f%%", 100 * v);
  }

  public static String duration(double seconds) {
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
