package io.fednas.federated;

import java.io.Serializable;

/** Correct predictions, samples seen and summed cross-entropy of one evaluation. */
public record EvalCounts(long correct, long count, double lossSum) implements Serializable {
  public static final EvalCounts EMPTY = new EvalCounts(0, 0, 0);

  public EvalCounts plus(EvalCounts o) {
    return new EvalCounts(correct + o.correct, count + o.count, lossSum + o.lossSum);
  }

  /** NaN when nothing was evaluated. */
  public double accuracy() {
    return count == 0 ? Double.NaN : (double) correct / count;
  }

  public double meanLoss() {
    return count == 0 ? Double.NaN : lossSum / count;
  }
}
