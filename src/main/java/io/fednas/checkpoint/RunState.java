package io.fednas.checkpoint;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fednas.FedNasException;
import io.fednas.cost.CostLedger;
import io.fednas.federated.ModelState;
import io.fednas.federated.RoundMetrics;
import io.fednas.federated.RoundRunner;
import io.fednas.search.SearchLoop;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A whole run at a round boundary. The phases run in order: FEDAVG (mode fedavg), or BASE, SEARCH,
 * LONG_TERM (the search modes); DONE once the last round is in. Random streams are positioned by
 * round number, so {@link #lastRound} is also every stream's position.
 */
public final class RunState implements Serializable {
  private static final long serialVersionUID = 1L;

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

  /** The resolved config the run started with (output.* and spark.* aside, a resume must match it). */
  public final String config;
  public Phase phase;
  public int lastRound;
  /** The global model of the FedAvg phases (after the search: the model being fine-tuned). */
  public ModelState model;
  public boolean reachedTarget;
  /** The base model's validation accuracy and last round (0 when loaded from a previous run). */
  public double baseValidation;
  public int baseRounds;
  public SearchLoop.State search;
  public SearchLoop.Result searched;
  public final CostLedger ledger;
  public final List<RoundMetrics> metrics = new ArrayList<>();
  public RoundRunner.State rounds;
  /** The run's wall time up to this checkpoint, earlier attempts included. */
  public double earlierWallSeconds;

  public RunState(String config, Phase first, ModelState model, CostLedger ledger) {
    this.config = config;
    this.phase = first;
    this.model = model;
    this.ledger = ledger;
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
