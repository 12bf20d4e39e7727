package io.fednas.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.FedNasException;
import io.fednas.config.FedNasConfig;
import io.fednas.config.SearchConfig;
import io.fednas.cost.CostLedger;
import io.fednas.cost.DeviceProfile;
import io.fednas.cost.ResourceMetric;
import io.fednas.checkpoint.CheckpointFile;
import io.fednas.checkpoint.Checkpoints;
import io.fednas.checkpoint.RunState;
import io.fednas.checkpoint.RunState.Phase;
import io.fednas.federated.ModelState;
import io.fednas.federated.RoundRunner;
import io.fednas.fleet.Fleet;
import io.fednas.search.CandidateGenerator;
import io.fednas.search.SearchLoop;
import io.fednas.data.ClientPlan;
import io.fednas.data.Dataset;
import io.fednas.data.Seeds;
import io.fednas.federated.DatasetCache;
import io.fednas.federated.FedAvgEngine;
import io.fednas.federated.FedAvgLoop;
import io.fednas.federated.RoundMetrics;
import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import io.fednas.model.NetworkBuilder;
import io.fednas.model.ResourceCounter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One run from a validated config to a complete run directory: data, partition, device profile
 * and budget first (so bad input fails before Spark starts), then FedAvg (mode fedavg) or the
 * search (modes baseline and fednas), then model, metrics and summary.
 */
final class JobRun {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final FedNasConfig cfg;
  private final PrintStream out;

  JobRun(FedNasConfig cfg, PrintStream out) {
    this.cfg = cfg;
    this.out = out;
  }

  /**
   * Runs to completion; returns the run directory. Failures after it exists leave status "failed".
   * {@code resume}: continue the run in {@code outputDir} from its checkpoint.
   */
  Path run(Path outputDir, boolean resume) {
    long start = System.nanoTime();
    Dataset data = DatasetCache.get(cfg.data());
    Architecture arch = Architectures.byName(cfg.arch(), data.train().channels(), data.train().height(),
        data.train().width(), data.numClasses());
    ClientPlan plan = ClientPlan.build(data.train(), cfg.data(), cfg.federated().clients(), cfg.seed());
    boolean searching = !cfg.mode().equals("fedavg");
    ModelState loadedBase = searching && !cfg.search().baseModel().isEmpty()
        ? PreviousRun.baseModel(cfg.search().baseModel(), data) : null;
    if (loadedBase != null) {
      arch = loadedBase.arch();
    }
    Path devicesDir = Path.of(cfg.search().devicesDir());
    DeviceProfile device = searching ? DeviceProfile.load(devicesDir, cfg.search().device()) : null;
    int[] trainSizes = new int[plan.clients()];
    for (int c = 0; c < trainSizes.length; c++) {
      trainSizes[c] = plan.train()[c].length;
    }
    Fleet fleet = Fleet.of(cfg.simulation(), device, devicesDir, cfg.seed(), trainSizes, cfg.federated().localEpochs());
    ResourceMetric metric = searching ? metricOf(device) : null;
    if (searching) {
      if (cfg.data().validationFraction() == 0) {
        throw new FedNasException("mode " + cfg.mode() + " chooses candidates on validation data: "
            + "data.validationFraction must be > 0");
      }
      SearchLoop.budget(cfg.search(), metric,
          new CandidateGenerator(metric, cfg.search().layers(), cfg.search().minWidth()), arch);
    }
    RunDirectory dir;
    RunState state;
    if (resume) {
      dir = RunDirectory.existing(outputDir);
      if (PreviousRun.completed(outputDir)) {
        out.println("run " + outputDir + " has already completed; nothing to resume");
        return outputDir;
      }
      state = CheckpointFile.read(outputDir);
      state.requireSameConfig(cfg.render(), outputDir);
    } else {
      dir = RunDirectory.prepare(outputDir, cfg.overwrite());
      state = new RunState(cfg.render(), !searching ? Phase.FEDAVG : loadedBase != null ? Phase.SEARCH : Phase.BASE,
          loadedBase != null ? loadedBase : new ModelState(arch, initialWeights(arch)), new CostLedger(plan.clients()));
    }
    Progress progress = new Progress(out, searching ? 0 : cfg.federated().rounds());
    progress.line("run directory: " + dir.root());
    if (resume) {
      progress.line("resuming from the checkpoint after round " + state.lastRound + " (" + state.phase.label() + ")");
    }
    progress.line(String.format("%s: %d training / %d test samples, %d clients (%s), %d per round; %s, %,d parameters, %,d forward FLOPs",
        data.name(), data.train().size(), data.test().size(), plan.clients(), cfg.data().partition(),
        cfg.federated().clientsPerRound(), arch.name(), ResourceCounter.params(arch), ResourceCounter.forwardFlops(arch)));
    progress.line(fleet.describe());
    if (!resume) {
      dir.writeString("config.conf", cfg.render());
      dir.writeString("architecture.json", arch.toJson());
      dir.writeString("partition.csv", PartitionSummary.csv(plan, data.train()));
    }
    SparkSession spark = null;
    try {
      spark = SparkSessions.start(cfg);
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      progress.line("spark: " + sc.master() + ", default parallelism " + sc.defaultParallelism());
      MetricsTable metrics = new MetricsTable(state.metrics);
      Checkpoints checkpoints = new Checkpoints(dir.root(), state, cfg.checkpointEvery(), start);
      try (FedAvgEngine engine = new FedAvgEngine(sc, cfg.data(), plan, cfg.eval().testPartitions(), cfg.tasksPerStage())) {
        RoundRunner rounds = new RoundRunner(engine, fleet, cfg.faults(), cfg.federated().clients(),
            cfg.federated().clientsPerRound(), state.ledger);
        if (state.rounds != null) {
          rounds.restore(state.rounds);
        }
        checkpoints.track(rounds);
        if (!resume) {
          checkpoints.enter(state.phase); // round 0: even a driver lost in round 1 can be resumed
        }
        FedAvgLoop fedavg = new FedAvgLoop(engine, rounds, state.ledger, cfg.federated(), cfg.eval(), cfg.seed());
        FedAvgLoop.RoundListener onRound = (m, w) -> { // saved before it is shown: a round on screen is never lost
          metrics.add(m);
          state.model = new ModelState(state.model.arch(), w);
          state.lastRound = m.round();
          checkpoints.afterRound();
          dir.writeString("rounds.csv", metrics.csv());
          progress.round(m);
        };
        SearchConfig s = cfg.search();
        SearchLoop search = searching ? new SearchLoop(cfg.name(), engine, rounds, cfg.federated(), cfg.eval(), s,
            cfg.seed(), metric, state.ledger, progress) : null;
        if (state.phase == Phase.FEDAVG) {
          engine.phase(cfg.name(), "FedAvg");
          double target = cfg.federated().targetAccuracy();
          // a run stopped right after reaching its target must not train on after a resume
          boolean reached = target > 0 && !state.metrics.isEmpty()
              && state.metrics.get(state.metrics.size() - 1).testAccuracy() >= target;
          if (!reached) {
            reached = fedavg.run(arch, state.model.weights(), state.lastRound + 1, cfg.federated().rounds(), target,
                onRound).reachedTarget();
          }
          state.reachedTarget = reached;
          checkpoints.enter(Phase.DONE);
        }
        if (state.phase == Phase.BASE) {
          engine.phase(cfg.name(), "base model");
          progress.roundsLeft(s.baseRounds() - state.lastRound + search.plannedRounds(arch));
          progress.line("base model: " + s.baseRounds() + " FedAvg rounds");
          fedavg.run(arch, state.model.weights(), state.lastRound + 1, s.baseRounds(), 0, onRound);
          state.baseValidation = state.metrics.get(state.metrics.size() - 1).validationAccuracy();
          state.baseRounds = state.lastRound;
          checkpoints.enter(Phase.SEARCH);
        }
        if (state.phase == Phase.SEARCH) {
          if (state.search == null) {
            if (loadedBase != null) {
              progress.roundsLeft(search.plannedRounds(arch));
              state.baseValidation = search.validationAccuracy(state.model);
              progress.line(String.format(java.util.Locale.ROOT, "base model: %s from %s, val acc %.4f", arch.describe(),
                  s.baseModel(), state.baseValidation));
            }
            state.search = search.start(state.model, state.baseValidation, state.baseRounds + 1);
          }
          state.searched = search.run(state.search, checkpoints::afterSearchStep);
          state.model = state.searched.finalModel();
          state.search = null;
          checkpoints.enter(Phase.LONG_TERM);
        }
        if (state.phase == Phase.LONG_TERM) {
          progress.line("long-term fine-tune: " + s.longTermRounds() + " FedAvg rounds of " + state.model.arch().describe());
          engine.phase(cfg.name(), "long-term fine-tune");
          fedavg.run(state.model.arch(), state.model.weights(), state.lastRound + 1,
              state.baseRounds + state.searched.rounds() + s.longTermRounds(), 0, onRound);
          checkpoints.enter(Phase.DONE);
        }
      }
      Architecture finalArch = state.model.arch();
      SearchLoop.Result searched = state.searched;
      saveModel(finalArch, state.model.weights(), dir.resolve("model.zip"));
      dir.writeString(PreviousRun.ARCHITECTURE_FILE, finalArch.toJson());
      dir.writeString("client_cost.csv", clientCostCsv(state.ledger));
      dir.writeString("failures.csv", FailureTable.csv(state.rounds.failures()));
      if (searched != null) {
        dir.writeString("search.csv", SearchTable.csv(searched.curve()));
        dir.writeString("tournament.csv", SearchTable.tournamentCsv(searched.tournament()));
      }
      metrics.writeParquet(spark, dir.resolve("rounds.parquet"));
      for (String table : searched != null ? List.of("partition", "client_cost", "failures", "search", "tournament")
          : List.of("partition", "client_cost", "failures")) {
        CsvToParquet.convert(spark, dir, table);
      }
      double wall = checkpoints.wallSeconds();
      RoundMetrics last = state.metrics.get(state.metrics.size() - 1);
      ObjectNode summary = summary("completed", finalArch, last, state.reachedTarget, state.ledger, wall, dir, sc);
      if (searched != null) {
        SearchTable.addToSummary(summary, searched, arch, metric);
      }
      ObjectNode cp = summary.putObject("checkpoints");
      cp.put("writes", checkpoints.writes());
      cp.put("write_seconds", checkpoints.writeSeconds());
      cp.put("resumed", resume);
      try {
        HtmlReport.write(dir, summary);
      } catch (IOException | RuntimeException e) { // the run's results stand without their report
        progress.line("warning: report.html not written: " + e);
      }
      dir.writeString("summary.json", JSON.writeValueAsString(summary));
      CheckpointFile.delete(dir.root()); // the results are complete: nothing is left to resume
      progress.line(String.format("done: test accuracy %s after %d rounds in %s%s; results in %s",
          Progress.pct(last.testAccuracy()).trim(), last.round(), Progress.duration(wall),
          state.reachedTarget ? " (target reached)" : "", dir.root()));
      return dir.root();
    } catch (Exception e) { // Spark throws its checked SparkException undeclared
      writeFailure(dir, e, start);
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    } finally {
      if (spark != null) {
        spark.stop();
      }
    }
  }

  private ObjectNode summary(String status, Architecture arch, RoundMetrics last, boolean reachedTarget,
      CostLedger ledger, double wall, RunDirectory dir, JavaSparkContext sc) {
    ObjectNode s = JSON.createObjectNode();
    s.put("status", status);
    s.put("mode", cfg.mode());
    s.put("name", cfg.name());
    s.put("seed", cfg.seed());
    s.put("dataset", cfg.data().name());
    s.put("test_accuracy", last.testAccuracy());
    s.put("test_loss", last.testLoss());
    s.put("validation_accuracy", nullIfNaN(last.validationAccuracy()));
    s.put("rounds", last.round()); // round numbers run on through every phase of a search
    s.put("reached_target", reachedTarget);
    s.put("wall_seconds", wall);
    CostLedger.Totals t = ledger.totals();
    ObjectNode cost = s.putObject("client_cost");
    cost.put("train_flops", t.trainFlops());
    cost.put("bytes_down", t.bytesDown());
    cost.put("bytes_up", t.bytesUp());
    cost.put("client_trainings", t.clientTrainings());
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
    for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getName().matches(".*(Old|Tenured).*")
          && pool.getPeakUsage() != null) {
        s.put("driver_old_gen_peak_bytes", pool.getPeakUsage().getUsed());
      }
    }
    ObjectNode env = s.putObject("provenance");
    env.put("config_file", cfg.source() == null ? null : cfg.source().toString());
    env.put("spark_master", sc.master());
    env.put("spark_default_parallelism", sc.defaultParallelism());
    env.put("spark_version", sc.version());
    env.put("dl4j_version", Versions.DL4J);
    env.put("fednas_version", Versions.FEDNAS);
    env.put("java_version", System.getProperty("java.version"));
    return s;
  }

  /** Seeded initial weights; built only when a model is trained from scratch (not for a loaded base). */
  private float[] initialWeights(Architecture arch) {
    return NetworkBuilder.build(arch, Seeds.derive(cfg.seed(), Seeds.INIT), cfg.federated().learningRate(),
        cfg.federated().momentum()).params().toFloatVector();
  }

  private ResourceMetric metricOf(DeviceProfile device) {
    return switch (cfg.search().metric()) {
      case "params" -> new ResourceMetric.Params();
      case "latency" -> new ResourceMetric.Latency(device);
      default -> new ResourceMetric.Flops();
    };
  }

  private static Double nullIfNaN(double v) {
    return Double.isNaN(v) ? null : v;
  }

  private void writeFailure(RunDirectory dir, Exception e, long start) {
    try {
      ObjectNode s = JSON.createObjectNode();
      s.put("status", "failed");
      s.put("mode", cfg.mode());
      s.put("name", cfg.name());
      FedNasException cause = FedNasJob.userError(e);
      s.put("error", String.valueOf(cause != null ? cause.getMessage() : e.getMessage()));
      s.put("wall_seconds", (System.nanoTime() - start) / 1e9);
      dir.writeString("summary.json", JSON.writeValueAsString(s));
    } catch (RuntimeException | IOException ignored) {
      // the original failure is what matters
    }
  }

  private static String clientCostCsv(CostLedger ledger) {
    StringBuilder sb = new StringBuilder("client,client_trainings,failed_trainings,train_flops,bytes_down,bytes_up\n");
    for (int c = 0; c < ledger.clients(); c++) {
      sb.append(c).append(',').append(ledger.trainings(c)).append(',').append(ledger.failures(c)).append(',')
          .append(ledger.trainFlops(c)).append(',')
          .append(ledger.bytesDown(c)).append(',').append(ledger.bytesUp(c)).append('\n');
    }
    return sb.toString();
  }

  static void saveModel(Architecture arch, float[] weights, Path target) throws IOException {
    MultiLayerNetwork net = NetworkBuilder.build(arch, 0, 0.0, 0.0);
    net.setParams(Nd4j.create(weights, new long[] {1, weights.length}, 'c'));
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    ModelSerializer.writeModel(net, tmp.toFile(), false);
    RunDirectory.moveIntoPlace(tmp, target);
  }
}
