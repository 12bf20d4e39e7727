package io.fednas.search;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One candidate's score at one tournament decision point (after {@code roundsDone} short-term
 * rounds of an iteration), and what became of it there: kept, dropped, or chosen at the end; or,
 * before any round, pruned by the accuracy predictor (score NaN, {@code roundsDone} 0).
 *
 * @param predictedScore the accuracy predictor's prediction for the candidate, NaN without one
 * @param features what the predictor knows of the candidate; what later runs learn from
 */
public record TournamentRecord(int iteration, int roundsDone, int candidate, int layer, int width,
    double validationAccuracy, String outcome, double predictedScore, CutFeatures features)
    implements java.io.Serializable {
  public static final String KEPT = "kept";
  public static final String DROPPED = "dropped";
  public static final String CHOSEN = "chosen";
  public static final String NOT_CHOSEN = "not chosen";
  public static final String PRUNED = "pruned by predictor";

  /** Whether a client round observed this score: what the accuracy predictor can learn from. */
  public boolean observed() {
    return !PRUNED.equals(outcome) && !Double.isNaN(validationAccuracy);
  }

  /** Each trained candidate's score at iteration {@code i}'s first decision point. */
  public static Map<Integer, Double> firstScores(List<TournamentRecord> records, int i) {
    int first = records.stream().filter(r -> r.iteration() == i && r.observed()).mapToInt(TournamentRecord::roundsDone)
        .min().orElse(-1);
    Map<Integer, Double> out = new TreeMap<>();
    records.stream().filter(r -> r.iteration() == i && r.observed() && r.roundsDone() == first)
        .forEach(r -> out.put(r.candidate(), r.validationAccuracy()));
    return out;
  }

  /**
   * The predictions and first-decision scores of iteration {@code i}'s candidates that trained with a
   * prediction: {predicted, observed}, in candidate order.
   */
  public static double[][] predictedAndObserved(List<TournamentRecord> tournament, int i) {
    Map<Integer, Double> first = TournamentRecord.firstScores(tournament, i);
    Map<Integer, Double> prediction = new TreeMap<>();
    tournament.stream().filter(t -> t.iteration() == i && t.observed() && !Double.isNaN(t.predictedScore())
        && first.containsKey(t.candidate())).forEach(t -> prediction.putIfAbsent(t.candidate(), t.predictedScore()));
    double[][] out = new double[2][prediction.size()];
    int k = 0;
    for (Map.Entry<Integer, Double> e : prediction.entrySet()) {
      out[0][k] = e.getValue();
      out[1][k++] = first.get(e.getKey());
    }
    return out;
  }

}
