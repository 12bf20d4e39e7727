package io.fednas.privacy;

/**
 * A private run's epsilon: every round is one release of the sampled Gaussian mechanism with the
 * run's sampling rate and noise multiplier, so the epsilon after R rounds is a function of R alone
 * (and a resumed run reports the same); the target is checked before a round starts.
 */
public final class PrivacyBudget {
  private final double q;
  private final double sigma;
  private final double delta;
  private final double target;
  /** Epsilon by round count: a round asks for it twice (the target check, its metrics), the report again. */
  private final java.util.Map<Long, RdpAccountant.Spent> spent = new java.util.HashMap<>();

  /** {@code target} 0: no target. */
  public PrivacyBudget(double q, double sigma, double delta, double target) {
    this.q = q;
    this.sigma = sigma;
    this.delta = delta;
    this.target = target;
  }

  /** Epsilon (at delta) after {@code rounds} private rounds. */
  public RdpAccountant.Spent after(long rounds) {
    return spent.computeIfAbsent(rounds, r -> {
      RdpAccountant a = new RdpAccountant();
      a.add(q, sigma, r);
      return a.spent(delta);
    });
  }

  /** Whether a run may do its {@code round}-th private round without passing the target. */
  public boolean allows(long round) {
    return target == 0 || after(round).epsilon() <= target;
  }

  /** Why a run stops before {@code round}: the epsilon it would reach against the target. */
  public String whyNot(long round) {
    return String.format(java.util.Locale.ROOT, "round %d would take epsilon to %.4g > privacy.targetEpsilon %s",
        round, after(round).epsilon(), target);
  }

  public double samplingRate() {
    return q;
  }

  public double target() {
    return target;
  }
}
