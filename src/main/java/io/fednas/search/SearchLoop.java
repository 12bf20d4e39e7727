package io.fednas.search;

import io.fednas.config.EvalConfig;
import io.fednas.config.FederatedConfig;
import io.fednas.config.Scoring;
import io.fednas.config.SearchConfig;
import io.fednas.cost.CostLedger;
import io.fednas.cost.ResourceMetric;
import io.fednas.federated.ModelState;
import io.fednas.federated.RoundExecutor;
import io.fednas.federated.RoundRunner;
import io.fednas.federated.TrainingPlan;
import io.fednas.fleet.ClientSampler;
import io.fednas.model.Architecture;
import io.fednas.model.ResourceCounter;
import io.fednas.privacy.PrivacyBudget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Federated NetAdapt with short-term fine-tuning by federated rounds (docs/ALGORITHM.md). The
 * baseline and FedNAS differ only in their {@link SearchPolicies}: parallel candidates on disjoint
 * client groups, the early-drop tournament, and dynamic round numbers. The rounds themselves are a
 * {@link RoundExecutor}'s: Spark stages in a run, a script in a unit test.
 */
public final class SearchLoop {
  private final RoundExecutor rounds;
  private final FederatedConfig fed;
  private final EvalConfig eval;
  private final SearchConfig search;
  private final SearchPolicies policies;
  private final long seed;
  private final ResourceMetric metric;
  private final CandidateGenerator generator;
  private final CostLedger ledger;
  private final SearchProgress log;
  private final String runName;
  private final PrivacyBudget privacy;
  private final CandidatePredictor predictor;

  public SearchLoop(String runName, RoundExecutor rounds, FederatedConfig fed, EvalConfig eval, SearchPolicies policies,
      long seed, CostLedger ledger, SearchProgress log) {
    this(runName, rounds, fed, eval, policies, seed, ledger, log, null, null);
  }

  /**
   * {@code privacy}: a private run's epsilon per round and its target (null: not private); the search
   * stops before a round that would pass the target. {@code predictor}: search.predictor's rule (null: off).
   */
  public SearchLoop(String runName, RoundExecutor rounds, FederatedConfig fed, EvalConfig eval, SearchPolicies policies,
      long seed, CostLedger ledger, SearchProgress log, PrivacyBudget privacy, CandidatePredictor predictor) {
    this.privacy = privacy;
    this.predictor = predictor;
    this.rounds = rounds;
    this.fed = fed;
    this.eval = eval;
    this.search = policies.config();
    this.policies = policies;
    this.seed = seed;
    this.metric = policies.metric();
    this.generator = policies.generator();
    this.ledger = ledger;
    this.log = log;
    this.runName = runName;
  }

  /**
   * The search's outcome: the chosen model after each iteration, and the final one, which may be
   * above the {@code budget} when no layer could be narrowed to an iteration's target, or when
   * {@code privacySpent}: it stopped before a round that would have passed privacy.targetEpsilon.
   * {@code points}: the model of each entry of {@code curve}, in the same order.
   */
  public record Result(ModelState finalModel, List<IterationRecord> curve, List<CurvePoint> points, int rounds,
      int candidatesTrained, int candidatesDropped, double deviceSeconds, List<TournamentRecord> tournament,
      double budget, boolean privacySpent) {}

  /**
   * Everything the search has done and has yet to do, at a round boundary: what a checkpoint
   * saves. Every random draw is seeded by (run seed, round, client, purpose), so the round number
   * is the position of every random stream, and a search continued from a State runs exactly as it
   * would have without the interruption.
   */
  public static final class State {
    private int firstRound;
    private int round; // the last round done
    private double r0;
    private double budget;
    private double deviceSeconds;
    private int candidatesTrained;
    private int candidatesDropped;
    private final List<TournamentRecord> tournament = new ArrayList<>();
    private final List<IterationRecord> curve = new ArrayList<>();
    private final List<CurvePoint> points = new ArrayList<>(); // the model of each curve entry
    private int iteration = 1; // in progress, or next
    private ModelState current;
    private double currentAccuracy;
    private RoundSchedule.Decision schedule;
    private int roundsSoFar;
    private Iteration inProgress; // null between iterations
    private boolean finished;
    private boolean privacySpent;

    /** The last round done. */
    public int round() {
      return round;
    }

    public SearchSnapshot snapshot() {
      Iteration it = inProgress;
      return new SearchSnapshot(firstRound, round, r0, budget, deviceSeconds, candidatesTrained, candidatesDropped,
          List.copyOf(tournament), List.copyOf(curve), List.copyOf(points), iteration, current, currentAccuracy, schedule,
          roundsSoFar, it == null ? null : new SearchSnapshot.IterationSnapshot(List.copyOf(it.candidates), it.target,
              it.shortTermRounds, it.startRound, new TreeMap<>(it.live), new TreeMap<>(it.scores),
              new TreeMap<>(it.latest), List.copyOf(it.dropped), it.done, it.step, it.over,
              new TreeMap<>(it.predictions), List.copyOf(it.pruned)), finished, privacySpent);
    }

    /** The search continued from a snapshot. */
    public static State of(SearchSnapshot s) {
      State st = new State();
      st.firstRound = s.firstRound();
      st.round = s.round();
      st.r0 = s.r0();
      st.budget = s.budget();
      st.deviceSeconds = s.deviceSeconds();
      st.candidatesTrained = s.candidatesTrained();
      st.candidatesDropped = s.candidatesDropped();
      st.tournament.addAll(s.tournament());
      st.curve.addAll(s.curve());
      st.points.addAll(s.points());
      st.iteration = s.iteration();
      st.current = s.current();
      st.currentAccuracy = s.currentAccuracy();
      st.schedule = s.schedule();
      st.roundsSoFar = s.roundsSoFar();
      st.finished = s.finished();
      st.privacySpent = s.privacySpent();
      SearchSnapshot.IterationSnapshot i = s.inProgress();
      if (i != null) {
        Iteration it = new Iteration(i.candidates(), i.target(), i.shortTermRounds(), i.startRound());
        it.predictions.putAll(i.predictions());
        it.pruned.addAll(i.pruned());
        it.live.clear();
        it.live.putAll(i.live());
        it.scores.putAll(i.scores());
        it.latest.putAll(i.latestScores());
        it.dropped.addAll(i.dropped());
        it.done = i.done();
        it.step = i.step();
        it.over = i.over();
        st.inProgress = it;
      }
      return st;
    }
  }

  /** An iteration's short-term fine-tuning in progress: its trained candidates, the live ones, scores, position. */
  private static final class Iteration {
    private final List<Candidate> candidates;
    private final double target;
    private final int shortTermRounds;
    private final int startRound;
    private final TreeMap<Integer, ModelState> live = new TreeMap<>();
    private final Map<Integer, Double> scores = new HashMap<>(); // every candidate's last score, dropped ones too
    private final Map<Integer, Double> latest = new TreeMap<>(); // scores from the training clients, latest round
    private final List<Integer> dropped = new ArrayList<>();
    private final Map<Integer, Double> predictions = new TreeMap<>(); // by the accuracy predictor, when it ranked
    private final List<Integer> pruned = new ArrayList<>(); // generated, never trained: the predictor's choice
    private int done; // short-term rounds of finished rungs
    private int step; // rounds done in the current rung
    private boolean over;

    Iteration(List<Candidate> candidates, double target, int shortTermRounds, int startRound) {
      this.candidates = candidates;
      this.target = target;
      this.shortTermRounds = shortTermRounds;
      this.startRound = startRound;
      candidates.forEach(c -> live.put(c.id(), new ModelState(c.arch(), c.weights())));
    }
  }

  /** The search's starting state from a trained base model; {@code firstRound} continues the run's round numbering. */
  public State start(ModelState base, double baseValidation, int firstRound) {
    State s = new State();
    s.firstRound = firstRound;
    s.round = firstRound - 1;
    s.r0 = metric.of(base.arch());
    s.budget = policies.checkedBudget(base.arch());
    s.current = base;
    s.currentAccuracy = baseValidation;
    s.schedule = policies.schedule().first();
    s.curve.add(record(s, 0, s.r0, 0, List.of(), List.of(), -1, -1, base.arch(), baseValidation, 0, "base model",
        Double.NaN));
    s.points.add(new CurvePoint(firstRound - 1, base));
    return s;
  }

  /**
   * Runs the iterations from {@code s} (a fresh start or a checkpoint) to the budget, handing the
   * state to {@code checkpoint} after every round, every tournament rung and every iteration.
   */
  public Result run(State s, Consumer<State> checkpoint) {
    if (s.inProgress != null) {
      log.line(String.format(java.util.Locale.ROOT, "iteration %d: continuing after %d short-term rounds (round %d)",
          s.iteration, s.inProgress.done + s.inProgress.step, s.round));
    }
    while (!s.finished) {
      if (s.inProgress == null && !beginIteration(s)) {
        s.finished = true;
        checkpoint.accept(s);
        break;
      }
      rounds.phase(runName, "search iteration " + s.iteration);
      shortTerm(s, checkpoint);
      if (s.privacySpent) {
        s.finished = true;
        checkpoint.accept(s);
        break;
      }
      finishIteration(s);
      checkpoint.accept(s);
    }
    return new Result(s.current, List.copyOf(s.curve), List.copyOf(s.points), s.round - s.firstRound + 1,
        s.candidatesTrained, s.candidatesDropped, s.deviceSeconds, List.copyOf(s.tournament), s.budget, s.privacySpent);
  }

  /** Generates the next iteration's candidates; false when the search is over. */
  private boolean beginIteration(State s) {
    int i = s.iteration;
    double resource = metric.of(s.current.arch());
    if (i > search.maxIterations() || resource <= s.budget) {
      return false;
    }
    if (!privacyAllowsNextRound(s)) {
      return false;
    }
    int perIteration = i == 1 ? policies.plannedRoundsPerIteration(generator.layersOf(s.current.arch()).size())
        : Math.max(1, s.roundsSoFar / (i - 1));
    log.roundsLeft(policies.iterationsLeft(resource, s.r0, s.budget, i) * perIteration + search.longTermRounds());
    double target = policies.target(resource, s.r0, i);
    List<Candidate> candidates = generator.generate(s.current.arch(), s.current.weights(), Math.max(target, 0));
    if (candidates.isEmpty()) {
      log.line(String.format(java.util.Locale.ROOT, "iteration %d: no layer can be narrowed to the target %.4g; "
          + "stopping above the budget (%.4g > %.4g %s: lower search.minWidth or search.initialReduction)", i, target,
          resource, s.budget, metric.unit()));
      return false;
    }
    log.line(String.format(java.util.Locale.ROOT, "iteration %d: target %.4g %s, %d candidates, %d short-term rounds (%s)",
        i, target, metric.unit(), candidates.size(), s.schedule.rounds(), s.schedule.reason()));
    s.inProgress = predicted(s, candidates, target);
    s.candidatesTrained += s.inProgress.candidates.size();
    return true;
  }

  /**
   * The iteration's candidates as search.predictor leaves them: ranked by predicted score once it has
   * enough observed scores, only the best predictorKeep to be trained, the others recorded as pruned.
   */
  private Iteration predicted(State s, List<Candidate> candidates, double target) {
    if (predictor == null) {
      return new Iteration(candidates, target, s.schedule.rounds(), s.round);
    }
    List<CutFeatures> features = candidates.stream().map(c -> features(s, c)).toList();
    CandidatePredictor.Decision d = predictor.decide(s.tournament, features, s.schedule.rounds());
    if (!d.ranked()) {
      log.line(String.format(java.util.Locale.ROOT, "  predictor: %d observed scores, fewer than "
          + "search.predictorMinPairs = %d: every candidate trains", d.pairs(), predictor.minPairs()));
      return new Iteration(candidates, target, s.schedule.rounds(), s.round);
    }
    List<Candidate> kept = d.kept().stream().sorted().map(candidates::get).toList();
    Iteration it = new Iteration(kept, target, s.schedule.rounds(), s.round);
    for (int k = 0; k < candidates.size(); k++) {
      Candidate c = candidates.get(k);
      it.predictions.put(c.id(), d.predictions()[k]);
      if (!d.kept().contains(k)) {
        it.pruned.add(c.id());
        s.tournament.add(new TournamentRecord(s.iteration, 0, c.id(), c.layer(), c.width(), Double.NaN,
            TournamentRecord.PRUNED, d.predictions()[k], features.get(k)));
      }
    }
    log.line(String.format(java.util.Locale.ROOT, "  predictor (%d observed scores): trains candidates %s "
        + "(predicted %.4f to %.4f), prunes %s", d.pairs(), kept.stream().map(Candidate::id).toList(),
        d.predictions()[d.kept().get(d.kept().size() - 1)], d.predictions()[d.kept().get(0)], it.pruned));
    return it;
  }

  /** What the predictor knows of a candidate of the iteration in progress (before its choice changes the state). */
  private static CutFeatures features(State s, Candidate c) {
    int n = s.curve.size();
    double dropLast = n < 2 ? 0 : s.curve.get(n - 2).validationAccuracy() - s.curve.get(n - 1).validationAccuracy();
    return CutFeatures.of(s.iteration, s.current.arch(), c.layer(), c.width(), s.currentAccuracy, dropLast,
        s.curve.get(0).validationAccuracy() - s.currentAccuracy);
  }

  /** The tournament's record of a trained candidate at a decision point, with its prediction when there was one. */
  private static TournamentRecord decision(State s, Iteration it, Candidate c, double score, String outcome) {
    return new TournamentRecord(s.iteration, it.done, c.id(), c.layer(), c.width(), score, outcome,
        it.predictions.getOrDefault(c.id(), Double.NaN), features(s, c));
  }

  /**
   * How well the predictions ordered the trained candidates: Spearman's rho against their scores at
   * the iteration's first decision, the one point every trained candidate reaches. NaN for fewer
   * than three ranked candidates.
   */
  private static double rankCorrelation(State s, Iteration it) {
    if (it.predictions.isEmpty() || it.candidates.size() < 3) {
      return Double.NaN;
    }
    double[][] ranked = TournamentRecord.predictedAndObserved(s.tournament, s.iteration);
    return RankCorrelation.spearman(ranked[0], ranked[1]);
  }

  /**
   * Whether the next round may run without passing privacy.targetEpsilon. When it may not, the
   * search ends here: an iteration in progress is abandoned, and the last model chosen is the
   * search's (its candidates' partial fine-tuning chose nothing yet).
   */
  private boolean privacyAllowsNextRound(State s) {
    if (privacy == null || privacy.allows(s.round + 1)) { // every round so far was private: round r is the r-th release
      return true;
    }
    s.privacySpent = true;
    log.line("privacy budget spent: " + privacy.whyNot(s.round + 1) + "; the search ends with "
        + (s.iteration == 1 ? "the base model" : "the model chosen in iteration " + (s.iteration - 1))
        + (s.inProgress == null ? "" : " (iteration " + s.iteration + " is abandoned)"));
    s.inProgress = null;
    return false;
  }

  /** Chooses among the candidates still live, records the curve, and sets the next iteration's rounds. */
  private void finishIteration(State s) {
    Iteration it = s.inProgress;
    int i = s.iteration;
    Map<Integer, Double> finalScores = new HashMap<>(); // dropped candidates are out of the choice
    for (int id : it.live.keySet()) {
      finalScores.put(id, it.scores.get(id));
    }
    Candidate chosen = choose(it.candidates, finalScores, s.current, s.currentAccuracy);
    for (Candidate c : it.candidates) {
      if (finalScores.containsKey(c.id())) {
        s.tournament.add(decision(s, it, c, finalScores.get(c.id()),
            c == chosen ? TournamentRecord.CHOSEN : TournamentRecord.NOT_CHOSEN));
      }
    }
    ModelState chosenModel = it.live.get(chosen.id());
    double chosenAccuracy = finalScores.get(chosen.id());
    log.line(String.format(java.util.Locale.ROOT, "iteration %d: chose layer %d -> width %d (%s), val acc %.4f, %s %.4g",
        i, chosen.layer(), chosen.width(), chosen.arch().describe(), chosenAccuracy, metric.unit(), chosen.resource()));
    s.curve.add(record(s, i, it.target, it.candidates.size() + it.pruned.size(), it.dropped, it.pruned, chosen.layer(),
        chosen.width(), chosen.arch(), chosenAccuracy, it.shortTermRounds, s.schedule.reason(), rankCorrelation(s, it)));
    s.points.add(new CurvePoint(s.round, chosenModel));
    double[] top = topTwo(it.scores);
    s.schedule = policies.schedule().next(s.schedule, new RoundSchedule.Observation(top[0], top[1], s.currentAccuracy - chosenAccuracy));
    s.current = chosenModel;
    s.currentAccuracy = chosenAccuracy;
    s.roundsSoFar += s.round - it.startRound;
    s.iteration++;
    s.inProgress = null;
  }

  /**
   * Short-term fine-tuning of the candidates for S rounds, in rungs: with the tournament on, a rung
   * is rungRounds rounds, after which the live candidates are scored and some dropped; it ends
   * early when one is left. With parallel candidates, all live ones train in the same rounds on
   * disjoint groups of the sampled clients; without, each trains on its own rounds of m clients.
   * Continues from the iteration's saved position.
   */
  private void shortTerm(State s, Consumer<State> checkpoint) {
    Iteration it = s.inProgress;
    Map<Integer, Candidate> byId = new HashMap<>();
    it.candidates.forEach(c -> byId.put(c.id(), c));
    boolean onClients = search.scoring() == Scoring.CLIENTS;
    double lr = search.shortTermLearningRate() > 0 ? search.shortTermLearningRate() : fed.learningRate();
    TrainingPlan plan = new TrainingPlan(fed.localEpochs(), fed.batchSize(), lr, fed.momentum(), seed,
        onClients ? eval.batchSize() : 0);
    int rung = search.tournament() ? search.rungRounds() : it.shortTermRounds;
    while (!it.over && it.done < it.shortTermRounds) {
      int len = Math.min(rung, it.shortTermRounds - it.done);
      int steps = search.parallelCandidates() ? len : len * it.live.size();
      while (it.step < steps) {
        if (!privacyAllowsNextRound(s)) {
          return;
        }
        long t0 = System.nanoTime();
        String what = search.parallelCandidates() ? trainParallel(s, it.live, plan)
            : trainAlone(s, new ArrayList<>(it.live.keySet()).get(it.step / len), it.live, plan); // one after another
        it.step++;
        checkpoint.accept(s); // saved before it is shown: a round on screen is never lost
        String spent = privacy == null ? ""
            : String.format(java.util.Locale.ROOT, ", epsilon %.3g", privacy.after(s.round).epsilon());
        log.shortTermRound(s.round, s.iteration, what + spent, (System.nanoTime() - t0) / 1e9);
      }
      it.done += len;
      it.step = 0;
      score(it, onClients);
      if (it.done < it.shortTermRounds && it.live.size() > 1) {
        drop(s, it, byId);
      }
      it.over = search.tournament() && it.live.size() == 1; // one left: the round budget need not be spent
      checkpoint.accept(s);
    }
  }

  /**
   * The live candidates' scores after a rung. On the training clients: each candidate's latest score,
   * from the clients that trained it in its last round, measured before they trained (so the model
   * as it stood one round earlier), at no extra download. A candidate no client scored (all of them
   * failed) is scored on the validation clients, as every candidate is with {@code search.scoring =
   * validation}: each of those clients downloads each model it scores.
   */
  private void score(Iteration it, boolean onClients) {
    Map<Integer, ModelState> unscored = new TreeMap<>();
    for (Map.Entry<Integer, ModelState> e : it.live.entrySet()) {
      if (onClients && it.latest.containsKey(e.getKey())) {
        it.scores.put(e.getKey(), it.latest.get(e.getKey()));
      } else {
        unscored.put(e.getKey(), e.getValue());
      }
    }
    if (!unscored.isEmpty()) {
      rounds.validate(unscored, validationClients(), eval.batchSize())
          .forEach((id, counts) -> it.scores.put(id, counts.accuracy()));
    }
  }

  /** The tournament's decision after a rung: the live candidates' fate, recorded and logged. */
  private void drop(State s, Iteration it, Map<Integer, Candidate> byId) {
    Map<Integer, Double> liveScores = new TreeMap<>();
    for (int id : it.live.keySet()) {
      liveScores.put(id, it.scores.get(id));
    }
    List<Integer> out = policies.tournament().drop(liveScores);
    for (int id : liveScores.keySet()) {
      s.tournament.add(decision(s, it, byId.get(id), it.scores.get(id),
          out.contains(id) ? TournamentRecord.DROPPED : TournamentRecord.KEPT));
    }
    for (int id : out) {
      it.live.remove(id);
      it.dropped.add(id);
      log.line(String.format(java.util.Locale.ROOT, "  after %d rounds: dropped candidate %d (val acc %.4f; leader %.4f)",
          it.done, id, it.scores.get(id), java.util.Collections.max(liveScores.values())));
    }
    s.candidatesDropped += out.size();
  }

  /** One round of all live candidates on disjoint client groups; returns what it did, for the round's line. */
  private String trainParallel(State s, TreeMap<Integer, ModelState> live, TrainingPlan plan) {
    int round = ++s.round;
    int[] sampled = rounds.sample(round);
    int[] modelOf = rounds.assign(round, sampled, new ArrayList<>(live.keySet()));
    return live.size() + " candidates on disjoint client groups"
        + train(s, round, live, new HashMap<>(live), sampled, modelOf, plan);
  }

  /** One round of one candidate on all the round's clients. */
  private String trainAlone(State s, int id, TreeMap<Integer, ModelState> live, TrainingPlan plan) {
    int round = ++s.round;
    int[] sampled = rounds.sample(round);
    int[] modelOf = new int[sampled.length];
    java.util.Arrays.fill(modelOf, id);
    return "candidate " + id + " alone" + train(s, round, live, Map.of(id, live.get(id)), sampled, modelOf, plan);
  }

  /**
   * One round of the given models; their new weights go into the live map, the round's device time
   * into the total. Returns the failures for the round's line ("" when none).
   */
  private String train(State s, int round, TreeMap<Integer, ModelState> live, Map<Integer, ModelState> models,
      int[] sampled, int[] modelOf, TrainingPlan plan) {
    RoundRunner.Outcome outcome = rounds.run(round, models, sampled, modelOf, plan);
    live.putAll(outcome.models());
    outcome.scores().forEach((id, counts) -> s.inProgress.latest.put(id, counts.accuracy()));
    s.deviceSeconds += outcome.simulatedSeconds();
    return outcome.failures().isEmpty() ? ""
        : ", " + outcome.failures().size() + "/" + outcome.sampled() + " clients failed";
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
      double value = policies.selectionValue(acc, c.resource(), currentAccuracy, currentResource);
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
    return rounds.validate(Map.of(0, model), validationClients(), eval.batchSize()).get(0).accuracy();
  }

  /** The same clients score every candidate of the search, so scores compare like with like. */
  private int[] validationClients() {
    return ClientSampler.validators(seed, 0, fed.clients(), eval.validationClients());
  }

  private IterationRecord record(State s, int i, double target, int candidates, List<Integer> dropped,
      List<Integer> pruned, int layer, int width, Architecture arch, double accuracy, int rounds, String reason,
      double rankCorrelation) {
    CostLedger.Totals t = ledger.totals();
    return new IterationRecord(i, target, candidates, List.copyOf(dropped), List.copyOf(pruned), layer, width,
        arch.describe(), metric.of(arch), ResourceCounter.params(arch), ResourceCounter.forwardFlops(arch), accuracy,
        rounds, reason,
        t.trainFlops(), t.bytesDown() + t.bytesUp(), t.clientTrainings(), s.deviceSeconds, t.scoringFlops(),
        t.scoringBytesDown(), rankCorrelation);
  }
}
