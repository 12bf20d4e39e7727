package io.fednas.app;

import io.fednas.checkpoint.Checkpoints;
import io.fednas.checkpoint.RunState.Phase;
import io.fednas.checkpoint.RunState;
import io.fednas.config.FedNasConfig;
import io.fednas.config.LongTermSchedule;
import io.fednas.config.SearchConfig;
import io.fednas.cost.CostLedger;
import io.fednas.federated.FedAvgLoop;
import io.fednas.federated.RoundMetrics;
import io.fednas.federated.RoundRunner;
import io.fednas.model.Architecture;
import io.fednas.privacy.PrivacyBudget;
import io.fednas.report.MetricsTable;
import io.fednas.report.Progress;
import io.fednas.report.RunDirectory;
import io.fednas.search.SearchLoop;
import java.util.Locale;

/**
 * The run's phases in order, each from the state the previous one (or a checkpoint) left: FedAvg
 * alone (mode fedavg), or the base model, the search and the long-term fine-tune. The state moves
 * on as an immutable {@link RunState}; the counts that rounds update in place (the cost ledger, the
 * round runner's failures, a search in progress) join it whenever a checkpoint is taken.
 */
final class RunPhases {
  private final FedNasConfig cfg;
  private final RunSetup setup;
  private final RoundRunner rounds;
  private final CostLedger ledger;
  private final FedAvgLoop fedavg;
  private final SearchLoop search;
  private final Progress progress;
  private final RunDirectory dir;
  private final Checkpoints checkpoints;
  private RunState state;
  private SearchLoop.State searching; // the search in progress, or null

  RunPhases(FedNasConfig cfg, RunSetup setup, RunState from, RoundRunner rounds, CostLedger ledger, FedAvgLoop fedavg,
      SearchLoop search, Progress progress, RunDirectory dir, long attemptStart) {
    this.cfg = cfg;
    this.setup = setup;
    this.state = from;
    this.rounds = rounds;
    this.ledger = ledger;
    this.fedavg = fedavg;
    this.search = search;
    this.progress = progress;
    this.dir = dir;
    this.checkpoints = new Checkpoints(dir.root(), this::snapshot, cfg.checkpointEvery(), attemptStart, from);
    this.searching = from.search() == null ? null : SearchLoop.State.of(from.search());
  }

  /** The whole state now, counts included: what a checkpoint saves. */
  RunState snapshot() {
    RunState s = searching == null ? state : state.withSearch(searching.snapshot());
    return s.withCounts(ledger.snapshot(), rounds.state(), checkpoints.wallSeconds());
  }

  /** Runs the phases left; returns the state once every round is in (phase DONE). */
  RunState run(boolean resumed) {
    if (!resumed) {
      checkpoints.phaseChanged(); // round 0: even a driver lost in round 1 can be resumed
      warnIfTheTargetComesFirst();
    }
    if (state.phase() == Phase.FEDAVG) {
      fedAvg();
    }
    if (state.phase() == Phase.BASE) {
      baseModel();
    }
    if (state.phase() == Phase.SEARCH) {
      search();
    }
    if (state.phase() == Phase.LONG_TERM) {
      longTerm();
    }
    return snapshot();
  }

  /** Says so up front when privacy.targetEpsilon will stop the run before its planned rounds are done. */
  private void warnIfTheTargetComesFirst() {
    PrivacyBudget budget = setup.privacy();
    if (budget == null || budget.target() == 0) {
      return;
    }
    int planned = setup.searching() ? cfg.search().baseRounds() + setup.policies().plannedRounds(setup.arch())
        : cfg.federated().rounds(); // a search's rounds are an estimate: the tournament and the schedule decide
    if (budget.allows(planned)) {
      return;
    }
    int last = 1;
    while (budget.allows(last + 1)) {
      last++;
    }
    progress.line(String.format(Locale.ROOT, "privacy: privacy.targetEpsilon %s stops this run after round %d of the "
        + "about %d planned (epsilon after %d rounds: %.4g)%s; raise privacy.noiseMultiplier, the population or the "
        + "target to run them all", cfg.privacy().targetEpsilon(), last, planned, planned,
        budget.after(planned).epsilon(), setup.searching() ? ", so the long-term fine-tune will not run" : ""));
  }

  Checkpoints checkpoints() {
    return checkpoints;
  }

  private void fedAvg() {
    rounds.phase(cfg.name(), "FedAvg");
    double target = cfg.federated().targetAccuracy();
    // a run stopped right after reaching its target must not train on after a resume
    boolean reached = target > 0 && !state.metrics().isEmpty()
        && state.metrics().get(state.metrics().size() - 1).testAccuracy() >= target;
    if (!reached) {
      FedAvgLoop.Result r = fedavg.run(setup.arch(), state.model().weights(), state.lastRound() + 1,
          cfg.federated().rounds(), target, this::afterRound);
      reached = r.reachedTarget();
      if (r.budgetSpent()) {
        privacySpent();
      }
    }
    enter(state.withReachedTarget(reached), Phase.DONE);
  }

  /** The line that says why a private run stops early: the next round would pass privacy.targetEpsilon. */
  private void privacySpent() {
    progress.line("privacy budget spent: " + setup.privacy().whyNot(state.lastRound() + 1) + "; the model after round "
        + state.lastRound() + " is the run's");
  }

  private void baseModel() {
    SearchConfig s = cfg.search();
    Architecture arch = setup.arch();
    rounds.phase(cfg.name(), "base model");
    progress.roundsLeft(s.baseRounds() - state.lastRound() + setup.policies().plannedRounds(arch));
    progress.line("base model: " + s.baseRounds() + " FedAvg rounds");
    boolean spent = fedavg.run(arch, state.model().weights(), state.lastRound() + 1, s.baseRounds(), 0,
        this::afterRound).budgetSpent();
    if (spent) { // no search: the base model so far is the run's
      privacySpent();
      enter(state, Phase.DONE);
      return;
    }
    double validation = state.metrics().get(state.metrics().size() - 1).validationAccuracy();
    enter(state.withBase(validation, state.lastRound()), Phase.SEARCH);
  }

  private void search() {
    if (searching == null) {
      if (setup.loadedBase() != null) {
        Architecture arch = setup.arch();
        progress.roundsLeft(setup.policies().plannedRounds(arch));
        state = state.withBase(search.validationAccuracy(state.model()), state.baseRounds());
        progress.line(String.format(Locale.ROOT, "base model: %s from %s, val acc %.4f", arch.describe(),
            cfg.search().baseModel(), state.baseValidation()));
      }
      searching = search.start(state.model(), state.baseValidation(), state.baseRounds() + 1);
    }
    SearchLoop.Result result = search.run(searching, s -> checkpoints.afterRound(s.round()));
    int lastRound = searching.round();
    searching = null;
    // the search said why it stopped; no long-term fine-tune either, since its first round would pass the target too
    enter(state.searchedTo(result, lastRound), result.privacySpent() ? Phase.DONE : Phase.LONG_TERM);
  }

  private void longTerm() {
    SearchConfig s = cfg.search();
    int before = state.baseRounds() + state.searched().rounds(); // the rate follows the phase's round, also after a resume
    double lr = cfg.federated().learningRate();
    LongTermSchedule schedule = s.longTermSchedule();
    progress.line(String.format(Locale.ROOT, "long-term fine-tune: %d FedAvg rounds of %s, learning rate %s %g -> %g",
        s.longTermRounds(), state.model().arch().describe(), schedule.key(), lr,
        schedule.learningRate(lr, s.longTermRounds(), s.longTermRounds())));
    rounds.phase(cfg.name(), "long-term fine-tune");
    if (fedavg.run(state.model().arch(), state.model().weights(), state.lastRound() + 1, before + s.longTermRounds(), 0,
        round -> schedule.learningRate(lr, round - before, s.longTermRounds()), this::afterRound).budgetSpent()) {
      privacySpent();
    }
    enter(state, Phase.DONE);
  }

  /** Saved before it is shown: a round on screen is never lost. */
  private void afterRound(RoundMetrics m, float[] weights) {
    state = state.afterRound(m, weights);
    checkpoints.afterRound(m.round());
    dir.writeString("rounds.csv", MetricsTable.of(state.metrics()).csv());
    progress.round(m);
  }

  private void enter(RunState next, Phase phase) {
    state = next.withPhase(phase);
    checkpoints.phaseChanged();
  }
}
