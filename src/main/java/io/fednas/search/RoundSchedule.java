package io.fednas.search;

/**
 * How many short-term rounds the next iteration gets. Each decision carries its reason, which the
 * run records.
 */
public sealed interface RoundSchedule {
  record Decision(int rounds, String reason) implements java.io.Serializable {}

  /** What the driver observed in the iteration just finished. */
  record Observation(double leaderScore, double runnerUpScore, double accuracyDrop) {}

  Decision first();

  Decision next(Decision previous, Observation observed);

  /** The baseline: the same number of rounds every iteration. */
  record Fixed(int rounds) implements RoundSchedule {
    @Override
    public Decision first() {
      return new Decision(rounds, "fixed");
    }

    @Override
    public Decision next(Decision previous, Observation observed) {
      return new Decision(rounds, "fixed");
    }
  }

  /**
   * Our rule for FedNAS's dynamic round numbers: start at {@code minRounds}; when the top two
   * candidates finished within {@code closeMargin} (the ranking was uncertain) grow by half; when
   * the winner led by more than twice that, shrink by a quarter; when the chosen cut cost more than
   * {@code costlyDrop} accuracy (the model is getting tight) add a round; never leave
   * [minRounds, maxRounds].
   */
  record Dynamic(int minRounds, int maxRounds, double closeMargin, double costlyDrop) implements RoundSchedule {
    @Override
    public Decision first() {
      return new Decision(minRounds, "start at minRounds");
    }

    @Override
    public Decision next(Decision previous, Observation o) {
      int s = previous.rounds();
      String reason;
      double gap = o.leaderScore() - o.runnerUpScore();
      if (Double.isNaN(gap)) {
        reason = "one candidate: keep";
      } else if (gap < closeMargin) {
        s = (int) Math.ceil(s * 1.5);
        reason = String.format(java.util.Locale.ROOT, "top two within %.4f < closeMargin %.4f: grow", gap, closeMargin);
      } else if (gap > 2 * closeMargin) {
        s = (int) Math.floor(s * 0.75);
        reason = String.format(java.util.Locale.ROOT, "winner led by %.4f > 2 x closeMargin: shrink", gap);
      } else {
        reason = String.format(java.util.Locale.ROOT, "winner led by %.4f: keep", gap);
      }
      if (o.accuracyDrop() > costlyDrop) {
        s += 1;
        reason += String.format(java.util.Locale.ROOT, "; cut cost %.4f accuracy > costlyDrop: +1", o.accuracyDrop());
      }
      int clamped = Math.max(minRounds, Math.min(maxRounds, s));
      if (clamped != s) {
        reason += "; clamped to [" + minRounds + ", " + maxRounds + "]";
      }
      return new Decision(clamped, reason);
    }
  }
}
