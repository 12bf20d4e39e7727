package io.fednas.checkpoint;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fednas.FedNasException;
import io.fednas.cost.CostLedger;
import io.fednas.federated.ModelState;
import io.fednas.federated.RoundMetrics;
import io.fednas.federated.RoundRunner;
import io.fednas.search.SearchLoop;
import io.fednas.search.SearchSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A whole run at a round boundary, as values: what a checkpoint holds (its file format is
 * {@link CheckpointFile}'s). The phases run in order: FEDAVG (mode fedavg), or BASE, SEARCH,
 * LONG_TERM (the search modes); DONE once the last round is in. Random streams are positioned by
 * round number, so {@code lastRound} is also every stream's position.
 *
 * @param config the resolved config the run started with (output.* and spark.* aside, a resume must match it)
 * @param model the global model of the FedAvg phases (after the search: the model being fine-tuned)
 * @param baseValidation the base model's validation accuracy
 * @param baseRounds the base model's last round (0 when loaded from a previous run)
 * @param search the search in progress, or null
 * @param searched the search's outcome, once it is over
 * @param rounds the round runner's failures so far and its failed-round streak
 * @param earlierWallSeconds the run's wall time up to this checkpoint, earlier attempts included
 */
public record RunState(String config, Phase phase, int lastRound, ModelState model, boolean reachedTarget,
    double baseValidation, int baseRounds, SearchSnapshot search, SearchLoop.Result searched,
    CostLedger.Snapshot ledger, List<RoundMetrics> metrics, RoundRunner.State rounds, double earlierWallSeconds) {

  public enum Phase {
    FEDAVG("FedAvg"), BASE("base model"), SEARCH("search"), LONG_TERM("long-term fine-tune"), DONE("all rounds done");

    private final String label;

    Phase(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  public RunState {
    metrics = List.copyOf(metrics);
  }

  /** A run before its first round. */
  public static RunState start(String config, Phase first, ModelState model, int clients) {
    return new RunState(config, first, 0, model, false, 0, 0, null, null,
        new CostLedger(clients).snapshot(), List.of(), new RoundRunner.State(List.of(), 0), 0);
  }

  public RunState withPhase(Phase p) {
    return new RunState(config, p, lastRound, model, reachedTarget, baseValidation, baseRounds, search, searched,
        ledger, metrics, rounds, earlierWallSeconds);
  }

  /** After a FedAvg round: its metrics and the global weights after it. */
  public RunState afterRound(RoundMetrics m, float[] weights) {
    List<RoundMetrics> all = new ArrayList<>(metrics);
    all.add(m);
    return new RunState(config, phase, m.round(), new ModelState(model.arch(), weights), reachedTarget,
        baseValidation, baseRounds, search, searched, ledger, all, rounds, earlierWallSeconds);
  }

  public RunState withReachedTarget(boolean reached) {
    return new RunState(config, phase, lastRound, model, reached, baseValidation, baseRounds, search, searched,
        ledger, metrics, rounds, earlierWallSeconds);
  }

  /** The base model's validation accuracy and last round, once it is trained (or loaded: round 0). */
  public RunState withBase(double validation, int lastBaseRound) {
    return new RunState(config, phase, lastRound, model, reachedTarget, validation, lastBaseRound, search, searched,
        ledger, metrics, rounds, earlierWallSeconds);
  }

  /** The search in progress, after its round {@code s.round()}. */
  public RunState withSearch(SearchSnapshot s) {
    return new RunState(config, phase, s.round(), model, reachedTarget, baseValidation, baseRounds, s, searched,
        ledger, metrics, rounds, earlierWallSeconds);
  }

  /** The search is over after round {@code round}: its final model becomes the run's model. */
  public RunState searchedTo(SearchLoop.Result r, int round) {
    return new RunState(config, phase, round, r.finalModel(), reachedTarget, baseValidation, baseRounds, null, r,
        ledger, metrics, rounds, earlierWallSeconds);
  }

  /** The counts kept outside this record while rounds run: the ledger, the runner's failures, the wall time. */
  public RunState withCounts(CostLedger.Snapshot l, RoundRunner.State r, double wallSeconds) {
    return new RunState(config, phase, lastRound, model, reachedTarget, baseValidation, baseRounds, search, searched,
        l, metrics, r, wallSeconds);
  }

  /**
   * A resume must run the config the run started with ({@code now}, rendered); only output.* and
   * spark.* may differ (where results go, and where and in how many tasks they are computed: results
   * do not depend on it). Otherwise the error names each differing key with both values.
   */
  public void requireSameConfig(String now, Path runDir) {
    Config before = ConfigFactory.parseString(config).withoutPath("output").withoutPath("spark");
    Config after = ConfigFactory.parseString(now).withoutPath("output").withoutPath("spark");
    Set<String> keys = new TreeSet<>();
    before.entrySet().forEach(e -> keys.add(e.getKey()));
    after.entrySet().forEach(e -> keys.add(e.getKey()));
    List<String> differ = new ArrayList<>();
    for (String k : keys) {
      Object a = before.hasPath(k) ? before.getValue(k).unwrapped() : null;
      Object b = after.hasPath(k) ? after.getValue(k).unwrapped() : null;
      if (!String.valueOf(a).equals(String.valueOf(b))) { // "5" on the command line equals 5 in a file
        differ.add(k + " (run: " + a + ", now: " + b + ")");
      }
    }
    if (!differ.isEmpty()) {
      throw new FedNasException("cannot resume " + runDir + " with a different config: " + String.join("; ", differ)
          + ". Resume with the config and overrides the run started with (its config.conf)");
    }
  }
}
