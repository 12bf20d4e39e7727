package io.fednas.federated;

import java.util.Map;

/**
 * What a search needs of the federated engine: sample a round's clients, run the round, score
 * models on clients' hold-outs. {@link RoundRunner} runs them as Spark stages; a test can script them.
 */
public interface RoundExecutor {
  /** The clients of round {@code round} (sorted). */
  int[] sample(int round);

  /**
   * Which of {@code models} (a search's live candidates, sorted) each sampled client trains when they
   * train in the same round on disjoint groups: the model of {@code sampled[i]} at index i.
   */
  int[] assign(int round, int[] sampled, java.util.List<Integer> models);

  /** Runs round {@code round}: client {@code sampled[i]} trains model {@code modelOf[i]}. */
  RoundRunner.Outcome run(int round, Map<Integer, ModelState> models, int[] sampled, int[] modelOf,
      TrainingPlan training);

  /** Each model's accuracy and loss summed over the hold-outs of the given clients. */
  Map<Integer, EvalCounts> validate(Map<Integer, ModelState> models, int[] clients, int batchSize);

  /** Names what the run does now ("search iteration 3"), for the Spark UI. */
  void phase(String runName, String phase);
}
