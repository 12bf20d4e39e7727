package io.fednas.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.FedNasException;
import io.fednas.checkpoint.CheckpointFile;
import io.fednas.checkpoint.Checkpoints;
import io.fednas.checkpoint.RunState;
import io.fednas.config.FedNasConfig;
import io.fednas.config.PrivacyConfig;
import io.fednas.cost.CostLedger;
import io.fednas.federated.RoundMetrics;
import io.fednas.fleet.ClientFailure;
import io.fednas.model.Architecture;
import io.fednas.model.NetworkBackend;
import io.fednas.model.ResourceCounter;
import io.fednas.privacy.PrivacyBudget;
import io.fednas.privacy.RdpAccountant;
import io.fednas.registry.RegistryEntry;
import io.fednas.report.Checksums;
import io.fednas.report.FailureTable;
import io.fednas.report.HtmlReport;
import io.fednas.report.Json;
import io.fednas.report.MetricsTable;
import io.fednas.report.PartitionSummary;
import io.fednas.report.Progress;
import io.fednas.report.RunDirectory;
import io.fednas.report.SearchTable;
import io.fednas.report.Table;
import io.fednas.search.SearchLoop;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * What a finished run leaves in its directory: the model and its architecture, the client-cost,
 * failure, search and tournament tables (CSV and Parquet), summary.json (last: its presence says the
 * run completed) and report.html; then the checkpoint goes, as nothing is left to resume.
 */
final class RunOutputs {
  private final FedNasConfig cfg;
  private final RunDirectory dir;
  private final NetworkBackend backend;

  RunOutputs(FedNasConfig cfg, RunDirectory dir, NetworkBackend backend) {
    this.cfg = cfg;
    this.dir = dir;
    this.backend = backend;
  }

  /**
   * The model, the tables and their Parquet copies; returns summary.json's content (written by
   * {@link #finish}). The search's summary compares with {@code setup}'s architecture, the one it started from.
   */
  ObjectNode complete(RunState state, CostLedger ledger, List<ClientFailure> failures, RunSetup setup,
      Checkpoints checkpoints, boolean resumed, SparkSession spark, Provenance provenance, RegistryEntry registered)
      throws IOException {
    Architecture finalArch = state.model().arch();
    SearchLoop.Result searched = state.searched();
    saveModel(finalArch, state.model().weights(), dir.resolve("model.zip"));
    dir.writeString(PreviousRun.ARCHITECTURE_FILE, finalArch.toJson());
    Map<String, String> sums = Checksums.record(dir, PreviousRun.MODEL_FILES);
    List<Table> tables = new ArrayList<>(List.of(MetricsTable.of(state.metrics()),
        PartitionSummary.of(setup.plan(), setup.data().train()), clientCost(ledger),
        FailureTable.of(failures)));
    if (searched != null) {
      tables.add(SearchTable.of(searched.curve()));
      tables.add(SearchTable.tournament(searched.tournament()));
    }
    for (Table t : tables) {
      dir.writeString(t.name() + ".csv", t.csv());
      t.writeParquet(spark, dir.resolve(t.name() + ".parquet"));
    }
    double wall = checkpoints.wallSeconds();
    RoundMetrics last = state.metrics().get(state.metrics().size() - 1);
    ObjectNode summary = summary(finalArch, last, state.lastRound(), state.reachedTarget(), ledger, wall, provenance);
    if (searched != null && searched.privacySpent()) { // no round after the search evaluated its model: the registry did
      summary.put("test_accuracy", registered.testAccuracy());
      summary.putNull("test_loss");
      summary.put("validation_accuracy", registered.validationAccuracy());
    }
    ((ObjectNode) summary.get("final_model")).put("sha256", sums.get("model.zip"));
    if (searched != null) {
      SearchTable.addToSummary(summary, searched, setup.arch(), setup.policies().metric(),
          cfg.search().predictor());
    }
    privacy(summary, setup, state);
    ObjectNode cp = summary.putObject("checkpoints");
    cp.put("writes", checkpoints.writes());
    cp.put("write_seconds", checkpoints.writeSeconds());
    cp.put("resumed", resumed);
    return summary;
  }

  /**
   * summary.json's {@code privacy} (the mechanism's parameters and the epsilon spent), and status
   * "budget_spent" for a run that stopped before a round that would have passed privacy.targetEpsilon.
   */
  private void privacy(ObjectNode summary, RunSetup setup, RunState state) {
    PrivacyBudget budget = setup.privacy();
    int lastRound = state.lastRound();
    PrivacyConfig p = cfg.privacy();
    if (p.clipNorm() == 0 && budget == null) {
      return;
    }
    ObjectNode out = summary.putObject("privacy");
    out.put("clip_norm", p.clipNorm());
    out.put("noise_multiplier", p.noiseMultiplier());
    if (budget == null) {
      out.put("guarantee", "none: updates are clipped but no noise is added");
      return;
    }
    RdpAccountant.Spent spent = budget.after(lastRound);
    out.put("mechanism", "DP-FedAvg: Poisson client sampling, updates clipped where computed, Gaussian noise on each "
        + "round's sum, a fixed denominator (docs/PRIVACY.md)");
    out.put("sampling_rate", budget.samplingRate());
    out.put("delta", p.delta());
    out.put("epsilon", spent.epsilon());
    out.put("rdp_order", spent.order());
    out.put("private_rounds", lastRound);
    out.put("target_epsilon", p.targetEpsilon() > 0 ? p.targetEpsilon() : null);
    if (setup.searching()) {
      out.put("search_choices", "outside the guarantee: candidates are scored exactly on clients' hold-outs "
          + "(docs/PRIVACY.md)");
    }
    if (endedEarly(setup, state) && !budget.allows(lastRound + 1)) {
      summary.put("status", "budget_spent");
    }
  }

  /** Whether the run ended before its planned last round (a search's: base, search and long-term rounds). */
  private boolean endedEarly(RunSetup setup, RunState state) {
    if (!setup.searching()) {
      return state.lastRound() < cfg.federated().rounds() && !state.reachedTarget();
    }
    SearchLoop.Result searched = state.searched();
    return searched == null || searched.privacySpent()
        || state.lastRound() < state.baseRounds() + searched.rounds() + cfg.search().longTermRounds();
  }

  /** report.html, then summary.json, then the checkpoint goes. */
  void finish(ObjectNode summary, Progress progress) throws IOException {
    try {
      HtmlReport.write(dir, summary);
    } catch (IOException | RuntimeException e) { // the run's results stand without their report
      progress.line("warning: report.html not written: " + e);
    }
    dir.writeString("summary.json", Json.MAPPER.writeValueAsString(summary));
    CheckpointFile.delete(dir.root()); // the results are complete: nothing is left to resume
  }

  /** summary.json of a run that failed: its status, the error and the wall time. */
  void failed(Exception e, double wallSeconds) {
    try {
      ObjectNode s = Json.MAPPER.createObjectNode();
      s.put("status", "failed");
      s.put("mode", cfg.mode().key());
      s.put("name", cfg.name());
      FedNasException cause = FedNasJob.userError(e);
      s.put("error", String.valueOf(cause != null ? cause.getMessage() : e.getMessage()));
      s.put("wall_seconds", wallSeconds);
      dir.writeString("summary.json", Json.MAPPER.writeValueAsString(s));
    } catch (RuntimeException | IOException ignored) {
      // the original failure is what matters
    }
  }

  /** {@code rounds}: the last round of any phase (a search's short-term rounds have no metrics row). */
  private ObjectNode summary(Architecture arch, RoundMetrics last, int rounds, boolean reachedTarget, CostLedger ledger,
      double wall, Provenance provenance) {
    ObjectNode s = Json.MAPPER.createObjectNode();
    s.put("status", "completed");
    s.put("mode", cfg.mode().key());
    s.put("name", cfg.name());
    s.put("seed", cfg.seed());
    s.put("dataset", cfg.data().name());
    s.put("test_accuracy", last.testAccuracy());
    s.put("test_loss", last.testLoss());
    s.put("validation_accuracy", Double.isNaN(last.validationAccuracy()) ? null : last.validationAccuracy());
    s.put("rounds", rounds); // round numbers run on through every phase of a search
    s.put("reached_target", reachedTarget);
    s.put("wall_seconds", wall);
    CostLedger.Totals t = ledger.totals();
    ObjectNode cost = s.putObject("client_cost");
    cost.put("train_flops", t.trainFlops());
    cost.put("bytes_down", t.bytesDown());
    cost.put("bytes_up", t.bytesUp());
    cost.put("client_trainings", t.clientTrainings());
    cost.put("scoring_flops", t.scoringFlops());
    cost.put("scoring_bytes_down", t.scoringBytesDown());
    long failed = 0;
    for (int c = 0; c < ledger.clients(); c++) {
      failed += ledger.failures(c);
    }
    cost.put("failed_trainings", failed);
    ObjectNode model = s.putObject("final_model");
    model.put("arch", arch.name());
    model.put("params", ResourceCounter.params(arch));
    model.put("flops", ResourceCounter.forwardFlops(arch));
    model.put("path", dir.resolve("model.zip").toString());
    // the old generation's peak: what survived collections (young-generation garbage says nothing of the
    // heap a run needs); in local mode the executors share this heap
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getName().matches(".*(Old|Tenured).*")
          && pool.getPeakUsage() != null) {
        s.put("driver_old_gen_peak_bytes", pool.getPeakUsage().getUsed());
      }
    }
    provenance.addTo(s);
    return s;
  }

  private static Table clientCost(CostLedger ledger) {
    Table t = new Table("client_cost", List.of(Table.Column.of("client", Table.Type.INT),
        Table.Column.of("client_trainings", Table.Type.LONG), Table.Column.of("failed_trainings", Table.Type.LONG),
        Table.Column.of("train_flops", Table.Type.LONG), Table.Column.of("bytes_down", Table.Type.LONG),
        Table.Column.of("bytes_up", Table.Type.LONG), Table.Column.of("scoring_flops", Table.Type.LONG),
        Table.Column.of("scoring_bytes_down", Table.Type.LONG)));
    for (int c = 0; c < ledger.clients(); c++) {
      t.row(c, ledger.trainings(c), ledger.failures(c), ledger.trainFlops(c), ledger.bytesDown(c), ledger.bytesUp(c),
          ledger.scoringFlops(c), ledger.scoringBytes(c));
    }
    return t;
  }

  /** The model file, written under a temporary name and renamed into place. */
  private void saveModel(Architecture arch, float[] weights, Path target) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    backend.save(arch, weights, tmp);
    RunDirectory.moveIntoPlace(tmp, target);
  }
}
