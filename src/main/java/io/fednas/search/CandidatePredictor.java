package io.fednas.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * search.predictor's rule: once there are {@code minPairs} observed scores (earlier runs' and this
 * run's), an iteration's candidates are ranked by predicted score and only the best {@code keep}
 * get client rounds.
 *
 * @param history earlier runs' observed records (search.predictorHistory, as PredictorHistory.load reads them)
 */
public record CandidatePredictor(ScorePredictor model, int keep, int minPairs, List<TournamentRecord> history) {

  /**
   * The decision for one iteration.
   *
   * @param predictions each candidate's predicted score (by position), or null when the predictor is still cold
   * @param kept the positions of the candidates that train, best prediction first
   * @param pairs the observed scores it learned from
   */
  public record Decision(double[] predictions, List<Integer> kept, int pairs) {
    public boolean ranked() {
      return predictions != null;
    }
  }

  /** Ranks {@code candidates} on every observed record so far: the history's and {@code run}'s. */
  public Decision decide(List<TournamentRecord> run, List<CutFeatures> candidates, int rounds) {
    List<TournamentRecord> pairs = new ArrayList<>(history);
    run.stream().filter(TournamentRecord::observed).forEach(pairs::add);
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      all.add(i);
    }
    if (pairs.size() < minPairs) {
      return new Decision(null, all, pairs.size());
    }
    double[] p = model.predict(pairs, candidates, rounds);
    // best prediction first; equal predictions: the earlier candidate, so ties resolve the same way every run
    all.sort(Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
    return new Decision(p, all.subList(0, Math.min(keep, all.size())), pairs.size());
  }
}
