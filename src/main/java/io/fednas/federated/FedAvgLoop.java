package io.fednas.federated;

import io.fednas.config.EvalConfig;
import io.fednas.config.FederatedConfig;
import io.fednas.cost.CostLedger;
import io.fednas.data.Seeds;
import io.fednas.model.Architecture;
import io.fednas.model.ResourceCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * FedAvg (McMahan et al. 2017) round after round: sample m clients, train them in one stage,
 * average, evaluate, count the cost; stop after the last round or at the target accuracy.
 */
public final class FedAvgLoop {
  private final FedAvgEngine engine;
  private final FederatedConfig fed;
  private final EvalConfig eval;
  private final long seed;

  public FedAvgLoop(FedAvgEngine engine, FederatedConfig fed, EvalConfig eval, long seed) {
    this.engine = engine;
    this.fed = fed;
    this.eval = eval;
    this.seed = seed;
  }

  /** The trained weights and every round's metrics. */
  public record Result(float[] weights, List<RoundMetrics> rounds, boolean reachedTarget) {}

  public Result run(Architecture arch, float[] initial, CostLedger ledger, Consumer<RoundMetrics> onRound) {
    return run(arch, initial, ledger, 1, fed.rounds(), fed.targetAccuracy(), onRound);
  }

  /**
   * Rounds {@code firstRound .. firstRound + rounds - 1} (the round number seeds the client
   * sampling, so phases of one run use distinct numbers); stops early at {@code targetAccuracy} > 0.
   */
  public Result run(Architecture arch, float[] initial, CostLedger ledger, int firstRound, int rounds,
      double targetAccuracy, Consumer<RoundMetrics> onRound) {
    long forwardFlops = ResourceCounter.forwardFlops(arch);
    long params = ResourceCounter.params(arch);
    TrainingPlan training = new TrainingPlan(fed.localEpochs(), fed.batchSize(), fed.learningRate(),
        fed.momentum(), seed);
    float[] weights = initial;
    List<RoundMetrics> history = new ArrayList<>();
    boolean reached = false;
    int lastRound = firstRound + rounds - 1;
    for (int round = firstRound; round <= lastRound && !reached; round++) {
      long t0 = System.nanoTime();
      int[] sampled = ClientSampler.sample(seed, round, fed.clients(), fed.clientsPerRound());
      RoundUpdate update = engine.trainRound(round, new ModelState(arch, weights), sampled, training);
      weights = update.averagedWeights();
      long t1 = System.nanoTime();
      double lossSum = 0;
      long samples = 0;
      double clientSeconds = 0;
      for (ClientResult r : update.clients()) {
        ledger.recordTraining(r.client(), forwardFlops, r.samples() / fed.localEpochs(), fed.localEpochs(), params);
        lossSum += r.trainLossSum();
        samples += r.samples();
        clientSeconds += r.trainSeconds();
      }
      // no hold-out (data.validationFraction = 0): no validation stage
      EvalCounts val = engine.hasValidationData()
          ? engine.validate(new ModelState(arch, weights), validationClients(round), eval.batchSize()) : EvalCounts.EMPTY;
      boolean last = round == lastRound;
      EvalCounts test = (round % eval.testEvery() == 0 || last || targetAccuracy > 0)
          ? engine.test(new ModelState(arch, weights), eval.batchSize()) : null;
      long t2 = System.nanoTime();
      reached = targetAccuracy > 0 && test != null && test.accuracy() >= targetAccuracy;
      CostLedger.Totals cost = ledger.totals();
      RoundMetrics m = new RoundMetrics(round, sampled.length, samples, samples == 0 ? Double.NaN : lossSum / samples,
          val.accuracy(), val.meanLoss(),
          test == null ? Double.NaN : test.accuracy(), test == null ? Double.NaN : test.meanLoss(),
          (t2 - t0) / 1e9, (t1 - t0) / 1e9, clientSeconds, (t2 - t1) / 1e9,
          cost.trainFlops(), cost.bytesDown(), cost.bytesUp(), cost.clientTrainings());
      history.add(m);
      onRound.accept(m);
    }
    return new Result(weights, history, reached);
  }

  private int[] validationClients(int round) {
    int n = eval.validationClients() == 0 ? fed.clients() : Math.min(eval.validationClients(), fed.clients());
    return ClientSampler.sample(Seeds.derive(seed, Seeds.VALIDATION_CLIENTS), round, fed.clients(), n);
  }
}
