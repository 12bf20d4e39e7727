package io.fednas.federated;

import io.fednas.config.EvalConfig;
import io.fednas.config.FederatedConfig;
import io.fednas.cost.CostLedger;
import io.fednas.fleet.ClientSampler;
import io.fednas.model.Architecture;
import io.fednas.privacy.PrivacyBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import java.util.stream.Collectors;

/**
 * FedAvg (McMahan et al. 2017) round after round: sample clients, play the round out on their
 * devices and train the ones that finish in one stage, average the accepted updates, evaluate,
 * count the cost; stop after the last round or at the target accuracy.
 */
public final class FedAvgLoop {
  private final FedAvgEngine engine;
  private final RoundRunner rounds;
  private final CostLedger ledger;
  private final FederatedConfig fed;
  private final EvalConfig eval;
  private final long seed;
  private final PrivacyBudget budget;

  public FedAvgLoop(FedAvgEngine engine, RoundRunner rounds, CostLedger ledger, FederatedConfig fed, EvalConfig eval,
      long seed) {
    this(engine, rounds, ledger, fed, eval, seed, null);
  }

  /** {@code budget}: a private run's epsilon per round and its target (null: not private). */
  public FedAvgLoop(FedAvgEngine engine, RoundRunner rounds, CostLedger ledger, FederatedConfig fed, EvalConfig eval,
      long seed, PrivacyBudget budget) {
    this.budget = budget;
    this.engine = engine;
    this.rounds = rounds;
    this.ledger = ledger;
    this.fed = fed;
    this.eval = eval;
    this.seed = seed;
  }

  /**
   * The trained weights and every round's metrics; {@code budgetSpent}: it stopped before a round
   * that would have taken epsilon past privacy.targetEpsilon.
   */
  public record Result(float[] weights, List<RoundMetrics> rounds, boolean reachedTarget, boolean budgetSpent) {}

  /** Called after every round with its metrics and the global weights after it (for checkpoints). */
  public interface RoundListener {
    void afterRound(RoundMetrics metrics, float[] weights);
  }

  /**
   * Rounds {@code firstRound .. lastRound} (the round number seeds the client sampling, so phases
   * of one run use distinct numbers); stops early at {@code targetAccuracy} > 0.
   */
  public Result run(Architecture arch, float[] initial, int firstRound, int lastRound, double targetAccuracy,
      RoundListener listener) {
    return run(arch, initial, firstRound, lastRound, targetAccuracy, round -> fed.learningRate(), listener);
  }

  /** As above, the clients training round r at {@code learningRate.applyAsDouble(r)}. */
  public Result run(Architecture arch, float[] initial, int firstRound, int lastRound, double targetAccuracy,
      IntToDoubleFunction learningRate, RoundListener listener) {
    float[] weights = initial;
    List<RoundMetrics> history = new ArrayList<>();
    boolean reached = false;
    boolean spent = false;
    for (int round = firstRound; round <= lastRound && !reached; round++) {
      if (budget != null && !budget.allows(round)) { // every round so far was private: round r is the r-th release
        spent = true;
        break;
      }
      long t0 = System.nanoTime();
      int[] sampled = rounds.sample(round);
      TrainingPlan training = new TrainingPlan(fed.localEpochs(), fed.batchSize(), learningRate.applyAsDouble(round),
          fed.momentum(), seed);
      RoundRunner.Outcome outcome = rounds.run(round, Map.of(0, new ModelState(arch, weights)), sampled,
          new int[sampled.length], training);
      weights = outcome.models().get(0).weights();
      long t1 = System.nanoTime();
      double lossSum = 0;
      long samples = 0;
      double clientSeconds = 0;
      for (ClientResult r : outcome.accepted()) {
        lossSum += r.trainLossSum();
        samples += r.samples();
        clientSeconds += r.trainSeconds();
      }
      // no hold-out (data.validationFraction = 0): no validation stage
      EvalCounts val = engine.hasValidationData()
          ? engine.validate(new ModelState(arch, weights), ClientSampler.validators(seed, round, fed.clients(), eval.validationClients()), eval.batchSize()) : EvalCounts.EMPTY;
      boolean last = round == lastRound;
      EvalCounts test = (round % eval.testEvery() == 0 || last || targetAccuracy > 0)
          ? engine.test(new ModelState(arch, weights), eval.batchSize()) : null;
      long t2 = System.nanoTime();
      reached = targetAccuracy > 0 && test != null && test.accuracy() >= targetAccuracy;
      CostLedger.Totals cost = ledger.totals();
      RoundMetrics m = new RoundMetrics(round, outcome.sampled(), outcome.accepted().size(), outcome.failures().size(),
          outcome.failures().stream().map(f -> String.valueOf(f.client())).collect(Collectors.joining(" ")),
          samples, samples == 0 ? Double.NaN : lossSum / samples,
          val.accuracy(), val.meanLoss(),
          test == null ? Double.NaN : test.accuracy(), test == null ? Double.NaN : test.meanLoss(),
          (t2 - t0) / 1e9, (t1 - t0) / 1e9, clientSeconds, outcome.slowestTaskSeconds(), (t2 - t1) / 1e9,
          outcome.simulatedSeconds(),
          cost.trainFlops(), cost.bytesDown(), cost.bytesUp(), cost.clientTrainings(),
          budget == null ? Double.NaN : budget.after(round).epsilon());
      history.add(m);
      listener.afterRound(m, weights);
    }
    return new Result(weights, history, reached, spent);
  }
}
