package io.fednas.search;

import java.util.List;

/**
 * A regressor from a candidate's {@link CutFeatures} to its score: fitted on the scores the search
 * has observed, it predicts each new candidate's. Spark MLlib's in a run (io.fednas.predictor).
 */
public interface ScorePredictor {
  /**
   * Each candidate's predicted score after {@code rounds} short-term rounds, in the candidates'
   * order, from the {@code observed} records (each with its features, rounds done and score).
   */
  double[] predict(List<TournamentRecord> observed, List<CutFeatures> candidates, int rounds);
}
