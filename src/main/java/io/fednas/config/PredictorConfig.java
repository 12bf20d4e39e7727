package io.fednas.config;

import java.io.Serializable;
import java.util.List;

/**
 * search.predictor*: which accuracy predictor ranks an iteration's candidates, how many of them it
 * lets train, how many observed scores it needs first, and earlier runs to learn from.
 */
public record PredictorConfig(PredictorKind kind, int keep, int minPairs, List<String> history) implements Serializable {
  public PredictorConfig {
    history = List.copyOf(history);
  }

  public static PredictorConfig off() {
    return new PredictorConfig(PredictorKind.NONE, 1, 1, List.of());
  }

  public boolean on() {
    return kind != PredictorKind.NONE;
  }
}
