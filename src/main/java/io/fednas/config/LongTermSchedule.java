package io.fednas.config;

/**
 * The clients' learning rate over the long-term fine-tune. With a constant rate the final model is
 * whatever the last round on its handful of non-IID clients gives; a decaying rate lets the last
 * rounds settle instead.
 */
public enum LongTermSchedule implements Choice {
  /** federated.learningRate in every round. */
  CONSTANT("constant"),
  /** Half a cosine from federated.learningRate down towards 0 over the long-term rounds. */
  COSINE("cosine");

  private final String key;

  LongTermSchedule(String key) {
    this.key = key;
  }

  @Override
  public String key() {
    return key;
  }

  /** The rate of long-term round {@code k} of {@code rounds} (k = 1 .. rounds). */
  public double learningRate(double initial, int k, int rounds) {
    if (k < 1 || k > rounds) {
      throw new IllegalArgumentException("long-term round " + k + " outside 1.." + rounds);
    }
    return switch (this) {
      case CONSTANT -> initial;
      // the first round trains at the full rate, the last at a small but non-zero one
      case COSINE -> initial * 0.5 * (1 + Math.cos(Math.PI * (k - 1) / rounds));
    };
  }
}
