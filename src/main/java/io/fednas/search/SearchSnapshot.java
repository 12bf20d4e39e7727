package io.fednas.search;

import io.fednas.federated.ModelState;
import java.util.List;
import java.util.Map;

/**
 * A search at a round boundary, as values: everything it has done and has yet to do. What a
 * checkpoint keeps of it; {@link SearchLoop.State#of} continues from it exactly.
 *
 * @param round the last round done
 * @param points the model of each entry of {@code curve}
 * @param iteration the iteration in progress, or the next one
 * @param inProgress the iteration's short-term fine-tuning, or null between iterations
 * @param privacySpent it ended before a round that would have passed privacy.targetEpsilon
 */
public record SearchSnapshot(int firstRound, int round, double r0, double budget, double deviceSeconds,
    int candidatesTrained, int candidatesDropped, List<TournamentRecord> tournament,
    List<IterationRecord> curve, List<CurvePoint> points, int iteration, ModelState current, double currentAccuracy,
    RoundSchedule.Decision schedule, int roundsSoFar, IterationSnapshot inProgress, boolean finished,
    boolean privacySpent) {

  /**
   * An iteration's short-term fine-tuning in progress.
   *
   * @param live the candidates not dropped, with their weights now
   * @param scores every candidate's last score, dropped ones too
   * @param latestScores the scores the training clients gave each candidate in its latest round
   * @param done short-term rounds of finished rungs
   * @param step rounds done in the current rung
   * @param over whether the tournament ended it early
   * @param predictions the accuracy predictor's prediction for each candidate it ranked (empty when cold or off)
   * @param pruned the candidates the predictor kept from training
   */
  public record IterationSnapshot(List<Candidate> candidates, double target, int shortTermRounds, int startRound,
      Map<Integer, ModelState> live, Map<Integer, Double> scores, Map<Integer, Double> latestScores,
      List<Integer> dropped, int done, int step, boolean over, Map<Integer, Double> predictions,
      List<Integer> pruned) {}
}
