package io.fednas.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.config.EvalConfig;
import io.fednas.config.FederatedConfig;
import io.fednas.config.LongTermSchedule;
import io.fednas.config.Metric;
import io.fednas.config.Scoring;
import io.fednas.config.SearchConfig;
import io.fednas.config.Selection;
import io.fednas.cost.CostLedger;
import io.fednas.cost.ResourceMetric;
import io.fednas.federated.EvalCounts;
import io.fednas.federated.ModelState;
import io.fednas.federated.RoundExecutor;
import io.fednas.federated.RoundRunner;
import io.fednas.federated.TrainingPlan;
import io.fednas.model.Architecture;
import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.MaxPool;
import io.fednas.model.ParameterLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The search loop on its own, without Spark or data: a scripted {@link RoundExecutor} trains
 * nothing and scores each model by a rule of the test's, so the loop's decisions (budget stop,
 * drops, choice, round schedule, who trains when) are checked exactly.
 */
class SearchLoopTest {
  static final Architecture BASE = new Architecture("t", 1, 8, 8, 3, List.of(
      new Conv(16, 3, 1, true), new Conv(16, 3, 1, true), new MaxPool(2, 2), new Dense(32)));
  private static final int CLIENTS = 12;

  /** Scores a model by which layers it has narrowed: cutting the dense layer costs least, the first conv most. */
  static double byCutLayer(ModelState m) {
    double score = 0.9;
    score -= m.arch().width(0) < BASE.width(0) ? 0.05 : 0;
    score -= m.arch().width(1) < BASE.width(1) ? 0.03 : 0;
    score -= m.arch().width(3) < BASE.width(3) ? 0.01 : 0;
    return score;
  }

  /**
   * Runs no training: each round returns the models as they came, and counts who trained what. When
   * the plan scores, each model's score comes back with the round, as the clients would give it.
   */
  static class ScriptedRounds implements RoundExecutor {
    final List<Integer> modelsPerRound = new ArrayList<>();
    final List<Integer> validations = new ArrayList<>();
    final List<Double> learningRates = new ArrayList<>();
    final ToDoubleFunction<ModelState> score;

    ScriptedRounds(ToDoubleFunction<ModelState> score) {
      this.score = score;
    }

    @Override
    public int[] sample(int round) {
      return java.util.stream.IntStream.range(0, 8).toArray();
    }

    @Override
    public int[] assign(int round, int[] sampled, List<Integer> models) {
      return io.fednas.federated.CandidateGroups.ofSample(7, round, sampled, models);
    }

    @Override
    public RoundRunner.Outcome run(int round, Map<Integer, ModelState> models, int[] sampled, int[] modelOf,
        TrainingPlan training) {
      modelsPerRound.add(models.size());
      learningRates.add(training.learningRate());
      Map<Integer, EvalCounts> scores = training.scores() ? counts(models) : Map.of();
      return new RoundRunner.Outcome(new TreeMap<>(models), List.of(), List.of(), sampled.length, 1.0, 0, scores);
    }

    @Override
    public Map<Integer, EvalCounts> validate(Map<Integer, ModelState> models, int[] clients, int batchSize) {
      validations.add(models.size());
      return counts(models);
    }

    private Map<Integer, EvalCounts> counts(Map<Integer, ModelState> models) {
      Map<Integer, EvalCounts> out = new HashMap<>();
      models.forEach((id, m) -> out.put(id, new EvalCounts(Math.round(score.applyAsDouble(m) * 10_000), 10_000, 0)));
      return out;
    }

    @Override
    public void phase(String runName, String phase) {}
  }

  static final class Lines implements SearchProgress {
    final List<String> lines = new ArrayList<>();

    @Override
    public void line(String s) {
      lines.add(s);
    }

    @Override
    public void shortTermRound(int round, int iteration, String what, double seconds) {}

    @Override
    public void roundsLeft(int rounds) {}
  }

  private static SearchConfig search(boolean parallel, boolean tournament, boolean dynamic, double budgetRatio) {
    return search(parallel, tournament, dynamic, budgetRatio, Scoring.VALIDATION);
  }

  static SearchConfig search(boolean parallel, boolean tournament, boolean dynamic, double budgetRatio,
      Scoring scoring) {
    return search(parallel, tournament, dynamic, budgetRatio, scoring, 0);
  }

  static SearchConfig search(boolean parallel, boolean tournament, boolean dynamic, double budgetRatio,
      Scoring scoring, double shortTermLearningRate) {
    return new SearchConfig(Metric.FLOPS, "phone-high", "conf/devices", budgetRatio, 0, 0.02, 0.96, 40, 2, List.of(),
        Selection.ACCURACY, scoring, "", 1, 1, LongTermSchedule.CONSTANT, 4, shortTermLearningRate, parallel, tournament, dynamic, 2, 0.5, 0.001, 2, 8, 0.005, 0.5, 0,
        io.fednas.config.PredictorConfig.off());
  }

  private static SearchLoop.Result run(SearchConfig s, ScriptedRounds rounds) {
    return run(s, rounds, null, new Lines());
  }

  /** The search on scripted rounds, with search.predictor's rule when {@code predictor} is not null. */
  static SearchLoop.Result run(SearchConfig s, ScriptedRounds rounds, CandidatePredictor predictor, Lines log) {
    SearchPolicies policies = SearchPolicies.of(s, new ResourceMetric.Flops());
    SearchLoop loop = new SearchLoop("test", rounds, new FederatedConfig(CLIENTS, 8, 1, 1, 10, 0.1, 0, 0),
        new EvalConfig(1, 0, 64, 1), policies, 7, new CostLedger(CLIENTS), log, null, predictor);
    SearchLoop.State start = loop.start(new ModelState(BASE, weights(BASE)), byCutLayer(new ModelState(BASE, null)), 1);
    return loop.run(start, st -> {});
  }

  private static float[] weights(Architecture a) {
    float[] w = new float[ParameterLayout.of(a).size()];
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (r.nextDouble() - 0.5);
    }
    return w;
  }

  @Test
  void stopsOnceTheBudgetIsMetChoosingTheBestScoredCutEachTime() {
    SearchConfig s = search(true, true, false, 0.8);
    SearchLoop.Result r = run(s, new ScriptedRounds(SearchLoopTest::byCutLayer));
    ResourceMetric flops = new ResourceMetric.Flops();
    double budget = 0.8 * flops.of(BASE);
    List<IterationRecord> curve = r.curve();
    assertTrue(flops.of(r.finalModel().arch()) <= budget, "the final model meets the budget");
    assertEquals(budget, r.budget(), 1e-6);
    for (int i = 1; i < curve.size() - 1; i++) {
      assertTrue(curve.get(i).resource() > budget, "iteration " + i + " was over budget, so the search went on");
    }
    // the script ranks the dense layer's cut first, while it can meet the target; then the second conv's
    assertEquals(3, curve.get(1).chosenLayer());
    assertEquals(3, curve.get(1).candidates());
    assertTrue(curve.stream().skip(1).anyMatch(c -> c.chosenLayer() == 1), "the second conv once the dense layer is spent");
    assertTrue(curve.stream().skip(1).noneMatch(c -> c.chosenLayer() == 0), "never the first conv, the worst cut");
    for (TournamentRecord t : r.tournament()) {
      if (t.outcome().equals(TournamentRecord.CHOSEN)) {
        double best = r.tournament().stream().filter(o -> o.iteration() == t.iteration() && o.roundsDone() == t.roundsDone())
            .mapToDouble(TournamentRecord::validationAccuracy).max().orElseThrow();
        assertEquals(best, t.validationAccuracy(), "iteration " + t.iteration() + " chose its best candidate");
      }
    }
  }

  @Test
  void shortTermRoundsTrainAtTheirOwnRateOrElseFedAvgs() {
    for (boolean parallel : new boolean[] {true, false}) {
      ScriptedRounds own = new ScriptedRounds(SearchLoopTest::byCutLayer);
      run(search(parallel, parallel, false, 0.8, Scoring.VALIDATION, 0.01), own);
      assertFalse(own.learningRates.isEmpty());
      assertTrue(own.learningRates.stream().allMatch(lr -> lr == 0.01), own.learningRates.toString());
      ScriptedRounds fedAvgs = new ScriptedRounds(SearchLoopTest::byCutLayer);
      run(search(parallel, parallel, false, 0.8, Scoring.VALIDATION, 0), fedAvgs);
      assertTrue(fedAvgs.learningRates.stream().allMatch(lr -> lr == 0.1), fedAvgs.learningRates.toString());
    }
  }

  @Test
  void theTournamentDropsTheWorstAndTrainsOnlyTheSurvivors() {
    ScriptedRounds rounds = new ScriptedRounds(SearchLoopTest::byCutLayer);
    SearchLoop.Result r = run(search(true, true, false, 0.9), rounds);
    // 3 candidates, rungs of 2 rounds, half dropped: 3 train for 2 rounds, then 2 for 2 rounds
    assertEquals(List.of(3, 3, 2, 2), rounds.modelsPerRound.subList(0, 4));
    assertEquals(List.of(3, 2), rounds.validations.subList(0, 2));
    List<TournamentRecord> first = r.tournament().stream().filter(t -> t.iteration() == 1 && t.roundsDone() == 2).toList();
    assertEquals(1, first.stream().filter(t -> t.outcome().equals(TournamentRecord.DROPPED)).count());
    assertEquals(0, first.stream().filter(t -> t.outcome().equals(TournamentRecord.DROPPED)).findFirst().orElseThrow()
        .layer(), "the first conv, the costliest cut, goes first");
    assertEquals(r.tournament().stream().filter(t -> t.outcome().equals(TournamentRecord.DROPPED)).count(),
        r.candidatesDropped());
  }

  @Test
  void withoutTheOptimizationsEachCandidateTrainsAloneForEveryRound() {
    ScriptedRounds rounds = new ScriptedRounds(SearchLoopTest::byCutLayer);
    SearchLoop.Result r = run(search(false, false, false, 0.9), rounds);
    int kTimesS = r.curve().stream().skip(1).mapToInt(c -> c.candidates() * 4).sum();
    assertEquals(kTimesS, r.rounds(), "K x S rounds in every iteration");
    assertEquals(r.rounds(), rounds.modelsPerRound.size());
    assertTrue(rounds.modelsPerRound.stream().allMatch(n -> n == 1), "one candidate per round");
    assertEquals(0, r.candidatesDropped());
  }

  @Test
  void scoringOnTheTrainingClientsNeedsNoValidationStageAndRanksTheSame() {
    ScriptedRounds onValidators = new ScriptedRounds(SearchLoopTest::byCutLayer);
    SearchLoop.Result byValidators = run(search(true, true, false, 0.8), onValidators);
    ScriptedRounds onClients = new ScriptedRounds(SearchLoopTest::byCutLayer);
    SearchLoop.Result byClients = run(search(true, true, false, 0.8, Scoring.CLIENTS), onClients);
    assertEquals(List.of(), onClients.validations, "no model sent to a validation client");
    assertTrue(onValidators.validations.size() > 0);
    // the script scores a model by its architecture, which training does not change: the same decisions
    assertEquals(byValidators.tournament(), byClients.tournament());
    assertEquals(byValidators.finalModel().arch(), byClients.finalModel().arch());
  }

  @Test
  void aCandidateNoClientScoredIsScoredByTheValidationClients() {
    // the round reports no score for candidate 0 (its clients all failed, say)
    ScriptedRounds rounds = new ScriptedRounds(SearchLoopTest::byCutLayer) {
      @Override
      public RoundRunner.Outcome run(int round, Map<Integer, ModelState> models, int[] sampled, int[] modelOf,
          TrainingPlan training) {
        RoundRunner.Outcome o = super.run(round, models, sampled, modelOf, training);
        Map<Integer, EvalCounts> scores = new TreeMap<>(o.scores());
        scores.remove(0);
        return new RoundRunner.Outcome(o.models(), o.accepted(), o.failures(), o.sampled(), o.simulatedSeconds(),
            o.slowestTaskSeconds(), scores);
      }
    };
    SearchLoop.Result r = run(search(true, true, false, 0.9, Scoring.CLIENTS), rounds);
    assertEquals(1, rounds.validations.get(0), "only the unscored candidate went to the validation clients");
    assertTrue(r.tournament().stream().anyMatch(t -> t.iteration() == 1 && t.candidate() == 0));
  }

  @Test
  void closeRacesGrowTheNextIterationsRounds() {
    // every cut scores the same: the top two always finish within closeMargin
    ScriptedRounds rounds = new ScriptedRounds(m -> 0.8);
    SearchLoop.Result r = run(search(true, false, true, 0.9), rounds);
    List<IterationRecord> curve = r.curve();
    assertTrue(curve.size() >= 3, "at least two iterations");
    assertEquals(2, curve.get(1).shortTermRounds(), "starts at minRounds");
    assertEquals(3, curve.get(2).shortTermRounds(), "grown by half");
    assertTrue(curve.get(2).roundsReason().contains("grow"), curve.get(2).roundsReason());
  }
}
