package io.fednas.search;

import io.fednas.FedNasException;
import io.fednas.config.EvalConfig;
import io.fednas.config.FederatedConfig;
import io.fednas.config.SearchConfig;
import io.fednas.cost.CostLedger;
import io.fednas.cost.DeviceProfile;
import io.fednas.cost.ResourceMetric;
import io.fednas.data.Seeds;
import io.fednas.federated.ClientResult;
import io.fednas.federated.ClientSampler;
import io.fednas.federated.EvalCounts;
import io.fednas.federated.FedAvgEngine;
import io.fednas.federated.ModelState;
import io.fednas.federated.RoundUpdate;
import io.fednas.federated.TrainingPlan;
import io.fednas.model.Architecture;
import io.fednas.model.ResourceCounter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Federated NetAdapt (FEDNAS.md section 2) with short-term fine-tuning by federated rounds
 * (section 3). The baseline and FedNAS differ only in three switches: parallel candidates on
 * disjoint client groups, the early-drop tournament, and dynamic round numbers.
 */
public final class SearchLoop {
  private final FedAvgEngine engine;
  private final FederatedConfig fed;
  private final EvalConfig eval;
  private final SearchConfig search;
  private final long seed;
  private final ResourceMetric metric;
  private final DeviceProfile device;
  private final CandidateGenerator generator;
  private final Tournament tournament;
  private final RoundSchedule schedule;
  private final CostLedger ledger;
  private final SearchProgress log;
  private final String runName;
  private int round;
  private double deviceSeconds;
  private int candidatesTrained;
  private int candidatesDropped;
  private long validationBytes;
  private int currentIteration;
  private final List<TournamentRecord> tournamentRecords = new ArrayList<>();

  public SearchLoop(String runName, FedAvgEngine engine, FederatedConfig fed, EvalConfig eval, SearchConfig search, long seed,
      ResourceMetric metric, DeviceProfile device, CostLedger ledger, SearchProgress log) {
    this.engine = engine;
    this.fed = fed;
    this.eval = eval;
    this.search = search;
    this.seed = seed;
    this.metric = metric;
    this.device = device;
    this.ledger = ledger;
    this.log = log;
    this.runName = runName;
    this.generator = new CandidateGenerator(metric, search.layers(), search.minWidth());
    this.tournament = search.tournament()
        ? new Tournament.SuccessiveHalving(search.dropFraction(), search.protectMargin()) : new Tournament.KeepAll();
    this.schedule = search.dynamicRounds()
        ? new RoundSchedule.Dynamic(search.minRounds(), search.maxRounds(), search.closeMargin(), search.costlyDrop())
        : new RoundSchedule.Fixed(search.shortTermRounds());
  }

  /** The budget for a base model, checked before any training: it must be reachable and not yet met. */
  public static double budget(SearchConfig s, ResourceMetric metric, CandidateGenerator g, Architecture base) {
    for (int layer : s.layers()) {
      if (layer >= base.layers().size() || !base.layers().get(layer).prunable()) {
        throw new FedNasException("search.layers names layer " + layer + ", which is not a prunable layer of "
            + base.name() + " (prunable: " + base.prunableLayers() + ")");
      }
    }
    if (g.layersOf(base).isEmpty()) {
      throw new FedNasException("search.layers names no prunable layer of " + base.name());
    }
    double r0 = metric.of(base);
    double b = s.budgetAbsolute() > 0 ? s.budgetAbsolute() : s.budgetRatio() * r0;
    if (r0 <= b) {
      throw new FedNasException(String.format(java.util.Locale.ROOT,
          "the base model already meets the budget: %s = %.4g %s <= budget %.4g (set a smaller search.budgetRatio "
              + "or search.budgetAbsolute)", base.name(), r0, metric.unit(), b));
    }
    double floor = g.floor(base);
    if (floor > b) {
      throw new FedNasException(String.format(java.util.Locale.ROOT,
          "no candidate can reach the budget %.4g %s: with every layer in search.layers at search.minWidth = %d "
              + "the model still needs %.4g (raise the budget, lower search.minWidth or allow more layers)",
          b, metric.unit(), s.minWidth(), floor));
    }
    return b;
  }

  /** An estimate of the search's rounds from a base model: short-term rounds and the long-term fine-tune. */
  public int plannedRounds(Architecture base) {
    double r0 = metric.of(base);
    double b = search.budgetAbsolute() > 0 ? search.budgetAbsolute() : search.budgetRatio() * r0;
    return iterationsLeft(r0, r0, b, 1) * plannedRoundsPerIteration(generator.layersOf(base).size())
        + search.longTermRounds();
  }

  /** Iterations still needed from resource {@code r} to the budget, by the target schedule (an estimate). */
  private int iterationsLeft(double r, double r0, double budget, int nextIteration) {
    int n = 0;
    for (int i = nextIteration; r > budget && i <= search.maxIterations(); i++, n++) {
      r -= search.initialReduction() * r0 * Math.pow(search.decay(), i - 1);
    }
    return n;
  }

  /** Short-term rounds an iteration with {@code k} candidates should take, before any is measured. */
  private int plannedRoundsPerIteration(int k) {
    int s = search.dynamicRounds() ? search.minRounds() : search.shortTermRounds();
    if (search.tournament()) { // successive halving ends once one candidate is left
      int rungs = 1;
      for (int live = k; live > 1; live -= Math.max(1, (int) Math.floor(live * search.dropFraction()))) {
        rungs++;
      }
      s = Math.min(s, rungs * search.rungRounds());
    }
    return search.parallelCandidates() ? s : s * k;
  }

  /** The search's outcome: the chosen model after each iteration, and the final one. */
  public record Result(ModelState finalModel, List<IterationRecord> curve, int rounds, int candidatesTrained,
      int candidatesDropped, double deviceSeconds, long validationBytes, List<TournamentRecord> tournament) {}

  /** Runs the iterations from a trained base model; {@code firstRound} continues the run's round numbering. */
  public Result run(ModelState base, double baseValidation, int firstRound) {
    round = firstRound - 1;
    double r0 = metric.of(base.arch());
    double budget = budget(search, metric, generator, base.arch());
    List<IterationRecord> curve = new ArrayList<>();
    curve.add(record(0, r0, 0, List.of(), -1, -1, base.arch(), baseValidation, 0, "base model"));
    ModelState current = base;
    double currentAccuracy = baseValidation;
    RoundSchedule.Decision rounds = schedule.first();
    int roundsSoFar = 0;
    for (int i = 1; i <= search.maxIterations() && metric.of(current.arch()) > budget; i++) {
      int perIteration = i == 1 ? plannedRoundsPerIteration(generator.layersOf(current.arch()).size())
          : Math.max(1, roundsSoFar / (i - 1));
      log.roundsLeft(iterationsLeft(metric.of(current.arch()), r0, budget, i) * perIteration + search.longTermRounds());
      currentIteration = i;
      engine.phase(runName, "search iteration " + i);
      int before = round;
      double target = metric.of(current.arch()) - search.initialReduction() * r0 * Math.pow(search.decay(), i - 1);
      List<Candidate> candidates = generator.generate(current.arch(), current.weights(), Math.max(target, 0));
      if (candidates.isEmpty()) {
        log.line(String.format(java.util.Locale.ROOT, "iteration %d: no layer can be narrowed to the target %.4g; stopping", i, target));
        break;
      }
      log.line(String.format(java.util.Locale.ROOT, "iteration %d: target %.4g %s, %d candidates, %d short-term rounds (%s)",
          i, target, metric.unit(), candidates.size(), rounds.rounds(), rounds.reason()));
      ShortTerm st = shortTerm(i, candidates, rounds.rounds());
      Candidate chosen = choose(candidates, st.scores, current, currentAccuracy);
      for (Candidate c : candidates) {
        if (st.scores.containsKey(c.id())) {
          tournamentRecords.add(new TournamentRecord(i, st.roundsDone, c.id(), c.layer(), c.width(), st.scores.get(c.id()),
              c == chosen ? TournamentRecord.CHOSEN : TournamentRecord.NOT_CHOSEN));
        }
      }
      ModelState chosenModel = st.models.get(chosen.id());
      double chosenAccuracy = st.scores.get(chosen.id());
      log.line(String.format(java.util.Locale.ROOT, "iteration %d: chose layer %d -> width %d (%s), val acc %.4f, %s %.4g",
          i, chosen.layer(), chosen.width(), chosen.arch().describe(), chosenAccuracy, metric.unit(), chosen.resource()));
      curve.add(record(i, target, candidates.size(), st.dropped, chosen.layer(), chosen.width(), chosen.arch(),
          chosenAccuracy, rounds.rounds(), rounds.reason()));
      double[] top = topTwo(st.lastScores);
      rounds = schedule.next(rounds, new RoundSchedule.Observation(top[0], top[1], currentAccuracy - chosenAccuracy));
      current = chosenModel;
      currentAccuracy = chosenAccuracy;
      roundsSoFar += round - before;
    }
    return new Result(current, curve, round - firstRound + 1, candidatesTrained, candidatesDropped, deviceSeconds,
        validationBytes, List.copyOf(tournamentRecords));
  }

  /**
   * {@code scores}: the live candidates' final validation accuracy (the choice); {@code lastScores}:
   * every candidate's last score, dropped ones too (what the round schedule observes).
   */
  private record ShortTerm(Map<Integer, ModelState> models, Map<Integer, Double> scores, Map<Integer, Double> lastScores,
      List<Integer> dropped, int roundsDone) {}

  /**
   * Short-term fine-tuning of the candidates for S rounds, in rungs: with the tournament on, a rung
   * is rungRounds rounds, after which the live candidates are scored and some dropped; it ends
   * early when one is left. With parallel candidates, all live ones train in the same rounds on
   * disjoint groups of the sampled clients; without, each trains on its own rounds of m clients.
   */
  private ShortTerm shortTerm(int iteration, List<Candidate> candidates, int s) {
    Map<Integer, Candidate> byId = new HashMap<>();
    candidates.forEach(c -> byId.put(c.id(), c));
    Map<Integer, ModelState> live = new TreeMap<>();
    for (Candidate c : candidates) {
      live.put(c.id(), new ModelState(c.arch(), c.weights()));
    }
    candidatesTrained += candidates.size();
    Map<Integer, ModelState> all = new HashMap<>(live);
    Map<Integer, Double> scores = new HashMap<>();
    List<Integer> dropped = new ArrayList<>();
    TrainingPlan plan = new TrainingPlan(fed.localEpochs(), fed.batchSize(), fed.learningRate(), fed.momentum(), seed);
    int rung = search.tournament() ? search.rungRounds() : s;
    int done = 0;
    while (done < s) {
      int len = Math.min(rung, s - done);
      if (search.parallelCandidates()) {
        for (int r = 0; r < len; r++) {
          trainParallel(live, plan);
        }
      } else {
        for (Map.Entry<Integer, ModelState> e : new ArrayList<>(live.entrySet())) {
          for (int r = 0; r < len; r++) {
            trainAlone(e.getKey(), live, plan);
          }
        }
      }
      done += len;
      int[] validators = validationClients();
      Map<Integer, EvalCounts> val = engine.validate(live, validators, eval.batchSize());
      for (ModelState m : live.values()) {
        validationBytes += 4L * ResourceCounter.params(m.arch()) * validators.length; // each scorer downloads the model
      }
      for (Map.Entry<Integer, EvalCounts> e : val.entrySet()) {
        scores.put(e.getKey(), e.getValue().accuracy());
      }
      all.putAll(live);
      if (done < s && live.size() > 1) {
        Map<Integer, Double> liveScores = new TreeMap<>();
        for (int id : live.keySet()) {
          liveScores.put(id, scores.get(id));
        }
        List<Integer> out = tournament.drop(liveScores);
        for (int id : liveScores.keySet()) {
          Candidate c = byId.get(id);
          tournamentRecords.add(new TournamentRecord(iteration, done, id, c.layer(), c.width(), scores.get(id),
              out.contains(id) ? TournamentRecord.DROPPED : TournamentRecord.KEPT));
        }
        for (int id : out) {
          live.remove(id);
          dropped.add(id);
          log.line(String.format(java.util.Locale.ROOT, "  after %d rounds: dropped candidate %d (val acc %.4f; leader %.4f)",
              done, id, scores.get(id), java.util.Collections.max(liveScores.values())));
        }
        candidatesDropped += out.size();
      }
      if (search.tournament() && live.size() == 1) {
        break; // one left: the round budget need not be spent
      }
    }
    // dropped candidates are out of the choice
    Map<Integer, Double> finalScores = new HashMap<>();
    for (int id : live.keySet()) {
      finalScores.put(id, scores.get(id));
    }
    return new ShortTerm(all, finalScores, scores, dropped, done);
  }

  private void trainParallel(Map<Integer, ModelState> live, TrainingPlan plan) {
    round++;
    int[] sampled = ClientSampler.sample(seed, round, fed.clients(), fed.clientsPerRound());
    // disjoint groups: a seeded shuffle of the sample dealt round-robin to the live candidates
    int[] order = sampled.clone();
    Seeds.shuffle(order, Seeds.random(seed, Seeds.CANDIDATE_ASSIGNMENT, round));
    List<Integer> ids = new ArrayList<>(live.keySet());
    Map<Integer, Integer> modelOfClient = new HashMap<>();
    for (int i = 0; i < order.length; i++) {
      modelOfClient.put(order[i], ids.get(i % ids.size()));
    }
    int[] modelOf = new int[sampled.length];
    for (int i = 0; i < sampled.length; i++) {
      modelOf[i] = modelOfClient.get(sampled[i]);
    }
    long t0 = System.nanoTime();
    Map<Integer, RoundUpdate> updates = engine.trainRound(round, live, sampled, modelOf, plan);
    account(updates, live);
    log.shortTermRound(round, currentIteration, live.size() + " candidates on disjoint client groups",
        (System.nanoTime() - t0) / 1e9);
  }

  private void trainAlone(int id, Map<Integer, ModelState> live, TrainingPlan plan) {
    round++;
    int[] sampled = ClientSampler.sample(seed, round, fed.clients(), fed.clientsPerRound());
    int[] modelOf = new int[sampled.length];
    java.util.Arrays.fill(modelOf, id);
    long t0 = System.nanoTime();
    account(engine.trainRound(round, Map.of(id, live.get(id)), sampled, modelOf, plan), live);
    log.shortTermRound(round, currentIteration, "candidate " + id + " alone", (System.nanoTime() - t0) / 1e9);
  }

  /** New weights into the live map; cost into the ledger; the round's simulated time is its slowest client. */
  private void account(Map<Integer, RoundUpdate> updates, Map<Integer, ModelState> live) {
    double slowest = 0;
    for (Map.Entry<Integer, RoundUpdate> e : updates.entrySet()) {
      Architecture arch = live.get(e.getKey()).arch();
      long flops = ResourceCounter.forwardFlops(arch);
      long params = ResourceCounter.params(arch);
      live.put(e.getKey(), new ModelState(arch, e.getValue().averagedWeights()));
      for (ClientResult r : e.getValue().clients()) {
        long samples = r.samples() / fed.localEpochs();
        ledger.recordTraining(r.client(), flops, samples, fed.localEpochs(), params);
        slowest = Math.max(slowest, device.trainingSeconds(
            CostLedger.trainFlops(flops, samples, fed.localEpochs()), 4 * params, 4 * params));
      }
    }
    deviceSeconds += slowest;
  }

  private Candidate choose(List<Candidate> candidates, Map<Integer, Double> scores, ModelState current,
      double currentAccuracy) {
    Candidate best = null;
    double bestValue = Double.NEGATIVE_INFINITY;
    double currentResource = metric.of(current.arch());
    for (Candidate c : candidates) {
      Double acc = scores.get(c.id());
      if (acc == null) {
        continue; // dropped
      }
      double value = search.selection().equals("accuracy") ? acc
          : -(currentAccuracy - acc) / Math.max(1e-12, currentResource - c.resource());
      if (value > bestValue) {
        bestValue = value;
        best = c;
      }
    }
    return best;
  }

  private static double[] topTwo(Map<Integer, Double> scores) {
    List<Double> s = new ArrayList<>(scores.values());
    s.sort(java.util.Comparator.reverseOrder());
    return new double[] {s.get(0), s.size() > 1 ? s.get(1) : Double.NaN};
  }

  /** A model's score as the search sees it: accuracy on the validation clients that score every candidate. */
  public double validationAccuracy(ModelState model) {
    return engine.validate(model, validationClients(), eval.batchSize()).accuracy();
  }

  private int[] validationClients() {
    int n = eval.validationClients() == 0 ? fed.clients() : Math.min(eval.validationClients(), fed.clients());
    // the same clients score every candidate of the search, so scores compare like with like
    return ClientSampler.sample(Seeds.derive(seed, Seeds.VALIDATION_CLIENTS), 0, fed.clients(), n);
  }

  private IterationRecord record(int i, double target, int candidates, List<Integer> dropped, int layer, int width,
      Architecture arch, double accuracy, int rounds, String reason) {
    CostLedger.Totals t = ledger.totals();
    return new IterationRecord(i, target, candidates, List.copyOf(dropped), layer, width, arch.describe(),
        metric.of(arch), ResourceCounter.params(arch), ResourceCounter.forwardFlops(arch), accuracy, rounds, reason,
        t.trainFlops(), t.bytesDown() + t.bytesUp(), t.clientTrainings(), deviceSeconds);
  }
}
