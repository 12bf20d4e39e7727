package io.fednas.config;

/** The accuracy predictor that ranks a search's candidates before any client trains them (search.predictor). */
public enum PredictorKind implements Choice {
  /** No predictor: every candidate an iteration generates gets client rounds. */
  NONE("none"),
  /** Gradient-boosted regression trees (Spark MLlib). */
  GBT("gbt"),
  /** A random forest of regression trees (Spark MLlib). */
  RF("rf");

  private final String key;

  PredictorKind(String key) {
    this.key = key;
  }

  @Override
  public String key() {
    return key;
  }
}
