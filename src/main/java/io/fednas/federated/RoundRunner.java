package io.fednas.federated;

import io.fednas.FedNasException;
import io.fednas.config.FaultsConfig;
import io.fednas.config.PrivacyConfig;
import io.fednas.cost.CostLedger;
import io.fednas.data.Seeds;
import io.fednas.fleet.ClientFailure;
import io.fednas.fleet.ClientSampler;
import io.fednas.fleet.Fleet;
import io.fednas.model.ResourceCounter;
import io.fednas.privacy.GaussianNoise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One federated round as the server lives it, for FedAvg and the search alike: the sampled
 * clients' devices play the round out ({@link Fleet}: dropouts, deadline), the clients that finish
 * train in one Spark stage, their updates are checked and averaged per model, and every client's
 * cost, failed ones included, goes into the ledger. A model without a valid update keeps its
 * weights; a round in which no model got one is failed, and too many failed rounds in a row stop
 * the run.
 */
public final class RoundRunner implements RoundExecutor {
  private final FedAvgEngine engine;
  private final Fleet fleet;
  private final FaultsConfig faults;
  private final PrivacyConfig privacy;
  private final long seed;
  private final int clients;
  private final int perRound;
  private final CostLedger ledger;
  private final List<ClientFailure> failures = new ArrayList<>();
  private int failedInARow;

  public RoundRunner(FedAvgEngine engine, Fleet fleet, FaultsConfig faults, int clients, int perRound,
      CostLedger ledger) {
    this(engine, fleet, faults, new PrivacyConfig(0, 0, 0.5, 0), 0, clients, perRound, ledger);
  }

  /**
   * With {@code privacy}: every client update clipped where it is computed (privacy.clipNorm); when
   * noisy, DP-FedAvg: Poisson sampling with rate perRound / clients, each model's clipped updates
   * summed with equal weights, Gaussian noise of standard deviation noiseMultiplier x clipNorm added
   * to the sum (seeded by {@code seed}, the round and the model), divided by the expected number of
   * clients. docs/PRIVACY.md says why each step is there.
   */
  public RoundRunner(FedAvgEngine engine, Fleet fleet, FaultsConfig faults, PrivacyConfig privacy, long seed,
      int clients, int perRound, CostLedger ledger) {
    this.engine = engine;
    this.fleet = fleet;
    this.faults = faults;
    this.privacy = privacy;
    this.seed = seed;
    this.clients = clients;
    this.perRound = perRound;
    this.ledger = ledger;
  }

  /**
   * A round's result: each model's new weights, the accepted clients' reports, the failures, the
   * training on the round's critical path (the task whose clients took longest, in summed seconds),
   * and when the plan scores, each model's score summed over the clients that trained it (before
   * they trained: the model as it came into the round).
   */
  public record Outcome(Map<Integer, ModelState> models, List<ClientResult> accepted, List<ClientFailure> failures,
      int sampled, double simulatedSeconds, double slowestTaskSeconds, Map<Integer, EvalCounts> scores) {
    public boolean failed() {
      return accepted.isEmpty();
    }
  }

  /** The clients of a round (sorted), over-selected and online-only when devices are simulated. */
  @Override
  public int[] sample(int round) {
    return privacy.noisy() ? ClientSampler.poisson(seed, round, clients, (double) perRound / clients)
        : fleet.sample(round, clients, perRound);
  }

  /**
   * Disjoint groups of the sample; in a private run, groups of the whole population (a client's
   * group must not depend on who else was sampled).
   */
  @Override
  public int[] assign(int round, int[] sampled, List<Integer> models) {
    return privacy.noisy() ? CandidateGroups.ofPopulation(seed, round, clients, sampled, models)
        : CandidateGroups.ofSample(seed, round, sampled, models);
  }

  @Override
  public Outcome run(int round, Map<Integer, ModelState> models, int[] sampled, int[] modelOf, TrainingPlan training) {
    Map<Integer, long[]> sizes = new HashMap<>(); // per model: forward FLOPs, parameters
    models.forEach((id, m) -> sizes.put(id, new long[] {ResourceCounter.forwardFlops(m.arch()),
        ResourceCounter.params(m.arch())}));
    long[] flops = new long[sampled.length];
    long[] params = new long[sampled.length];
    for (int i = 0; i < sampled.length; i++) {
      flops[i] = sizes.get(modelOf[i])[0];
      params[i] = sizes.get(modelOf[i])[1];
    }
    Fleet.DeviceRound devices = fleet.play(round, sampled, modelOf, flops, params, perRound);
    List<ClientFailure> failed = new ArrayList<>();
    List<Integer> trainIds = new ArrayList<>();
    List<Integer> trainModels = new ArrayList<>();
    Map<Integer, Fleet.ClientOutcome> byClient = new HashMap<>();
    for (Fleet.ClientOutcome o : devices.clients()) {
      byClient.put(o.client(), o);
      if (o.finished()) {
        trainIds.add(o.client());
        trainModels.add(o.model());
      } else {
        failed.add(new ClientFailure(round, o.client(), o.model(), o.failure(), o.detail(), o.completedFraction()));
        ledger.record(o.client(), Math.round(o.trainFlops() * o.completedFraction()), o.bytesDown(), o.bytesUp(), true);
      }
    }
    Map<Integer, ModelState> next = new TreeMap<>(models);
    List<ClientResult> accepted = new ArrayList<>();
    Map<Integer, Double> taskSeconds = new HashMap<>();
    Map<Integer, EvalCounts> scores = new TreeMap<>();
    if (!trainIds.isEmpty()) {
      Map<Integer, ModelState> trained = new HashMap<>();
      trainModels.forEach(id -> trained.put(id, models.get(id)));
      Map<Integer, RoundUpdate> updates = engine.trainRound(round, trained,
          trainIds.stream().mapToInt(Integer::intValue).toArray(), trainModels.stream().mapToInt(Integer::intValue).toArray(),
          training, faults.maxUpdateNorm(), privacy.clipNorm(), privacy.noisy());
      for (Map.Entry<Integer, RoundUpdate> e : new TreeMap<>(updates).entrySet()) {
        float[] w = e.getValue().averagedWeights();
        if (w != null) {
          next.put(e.getKey(), new ModelState(models.get(e.getKey()).arch(), w));
        }
        for (ClientResult r : e.getValue().clients()) {
          taskSeconds.merge(r.task(), r.trainSeconds(), Double::sum);
          Fleet.ClientOutcome o = byClient.get(r.client());
          ledger.record(r.client(), o.trainFlops(), o.bytesDown(), o.bytesUp(), !r.accepted());
          if (r.score() != null) { // the model it was sent: no bytes beyond the training's
            scores.merge(r.model(), r.score(), EvalCounts::plus);
            ledger.recordScoring(r.client(), sizes.get(r.model())[0] * r.score().count(), 0);
          }
          if (r.accepted()) {
            accepted.add(r);
          } else {
            failed.add(new ClientFailure(round, r.client(), r.model(), ClientFailure.Kind.REJECTED, r.rejected(), 1.0));
          }
        }
      }
    }
    if (privacy.noisy()) {
      List<Integer> ids = new ArrayList<>(new TreeMap<>(models).keySet());
      for (int i = 0; i < ids.size(); i++) {
        // q x the clients dealt to this model: its expected number of clients, whoever was sampled
        double expected = (double) perRound / clients * CandidateGroups.populationShare(clients, ids.size(), i);
        int id = ids.get(i);
        next.put(id, noisyAverage(round, id, models.get(id), next.get(id), accepted, expected));
      }
    }
    failed.sort(java.util.Comparator.comparingInt(ClientFailure::client));
    accepted.sort(java.util.Comparator.comparingInt(ClientResult::client));
    failures.addAll(failed);
    Outcome outcome = new Outcome(next, accepted, failed, sampled.length, devices.seconds(),
        taskSeconds.values().stream().mapToDouble(Double::doubleValue).max().orElse(0), scores);
    // a private round may sample no one (Poisson sampling): that is no failure, only rejected updates are
    failedInARow = outcome.failed() && (sampled.length > 0 || !privacy.noisy()) ? failedInARow + 1 : 0;
    if (failedInARow >= faults.maxFailedRounds()) {
      throw new FedNasException(String.format(java.util.Locale.ROOT,
          "%d rounds in a row (up to round %d) had no valid client update (round %d: %s); stopping. "
              + "Diverging training: lower federated.learningRate; too strict a bound: raise faults.maxUpdateNorm; "
              + "too many failing devices: check simulation.dropout and the deadline",
          failedInARow, round, round, summary(failed, sampled.length)));
    }
    return outcome;
  }

  /**
   * DP-FedAvg's update of one model: g + (sum of its k accepted clipped updates + noise) / expected,
   * where {@code expected} is its expected number of clients (q x N for a model trained alone).
   * {@code mean} is the equal-weight mean of the accepted clients' weights (or g when none).
   */
  private ModelState noisyAverage(int round, int id, ModelState global, ModelState mean, List<ClientResult> accepted,
      double expected) {
    float[] g = global.weights();
    float[] m = mean.weights();
    long k = accepted.stream().filter(r -> r.model() == id).count();
    double[] sum = new double[g.length];
    for (int i = 0; i < g.length; i++) {
      sum[i] = k * ((double) m[i] - g[i]);
    }
    GaussianNoise.add(sum, privacy.noiseMultiplier() * privacy.clipNorm(), Seeds.derive(seed, Seeds.PRIVACY_NOISE,
        round, id));
    float[] w = new float[g.length];
    for (int i = 0; i < g.length; i++) {
      w[i] = (float) (g[i] + sum[i] / expected);
    }
    return new ModelState(global.arch(), w);
  }

  /** Scores on separate validation clients: each downloads every model, and the ledger counts it. */
  @Override
  public Map<Integer, EvalCounts> validate(Map<Integer, ModelState> models, int[] clients, int batchSize) {
    Map<Integer, EvalCounts> scores = engine.validate(models, clients, batchSize);
    for (ModelState m : models.values()) {
      long flops = ResourceCounter.forwardFlops(m.arch());
      long bytes = 4L * ResourceCounter.params(m.arch());
      for (int c : clients) {
        ledger.recordScoring(c, flops * engine.validationSize(c), bytes);
      }
    }
    return scores;
  }

  @Override
  public void phase(String runName, String phase) {
    engine.phase(runName, phase);
  }

  private static String summary(List<ClientFailure> failed, int sampled) {
    if (failed.isEmpty()) {
      return "no client sampled";
    }
    Map<String, Integer> kinds = new TreeMap<>();
    failed.forEach(f -> kinds.merge(f.kind().label(), 1, Integer::sum));
    ClientFailure first = failed.get(0);
    return sampled + " sampled, " + kinds + "; client " + first.client() + ": " + first.detail();
  }

  /** Every failure so far, round by round. */
  public List<ClientFailure> failures() {
    return failures;
  }

  /** What a checkpoint keeps of this runner: the failures so far and the failed-round streak. */
  public record State(List<ClientFailure> failures, int failedInARow) implements java.io.Serializable {}

  public State state() {
    return new State(List.copyOf(failures), failedInARow);
  }

  public void restore(State s) {
    failures.clear();
    failures.addAll(s.failures());
    failedInARow = s.failedInARow();
  }
}
