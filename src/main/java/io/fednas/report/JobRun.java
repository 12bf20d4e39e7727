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
import io.fednas.federated.ModelState;
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
import java.util.function.Consumer;
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

  /** Runs to completion; returns the run directory. Failures after it exists leave status "failed". */
  Path run(Path outputDir) {
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
    DeviceProfile device = searching ? DeviceProfile.load(Path.of(cfg.search().devicesDir()), cfg.search().device()) : null;
    ResourceMetric metric = searching ? metricOf(device) : null;
    if (searching) {
      if (cfg.data().validationFraction() == 0) {
        throw new FedNasException("mode " + cfg.mode() + " chooses candidates on validation data: "
            + "data.validationFraction must be > 0");
      }
      SearchLoop.budget(cfg.search(), metric,
          new CandidateGenerator(metric, cfg.search().layers(), cfg.search().minWidth()), arch);
    }
    RunDirectory dir = RunDirectory.prepare(outputDir, cfg.overwrite());
    Progress progress = new Progress(out, searching ? 0 : cfg.federated().rounds());
    progress.line("run directory: " + dir.root());
    progress.line(String.format("%s: %d training / %d test samples, %d clients (%s), %d per round; %s, %,d parameters, %,d forward FLOPs",
        data.name(), data.train().size(), data.test().size(), plan.clients(), cfg.data().partition(),
        cfg.federated().clientsPerRound(), arch.name(), ResourceCounter.params(arch), ResourceCounter.forwardFlops(arch)));
    dir.writeString("config.conf", cfg.render());
    dir.writeString("architecture.json", arch.toJson());
    dir.writeString("partition.csv", PartitionSummary.csv(plan, data.train()));
    SparkSession spark = null;
    try {
      spark = SparkSessions.start(cfg);
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      progress.line("spark: " + sc.master() + ", default parallelism " + sc.defaultParallelism());
      MetricsTable metrics = new MetricsTable();
      CostLedger ledger = new CostLedger(plan.clients());
      FedAvgLoop.Result result;
      SearchLoop.Result searched = null;
      Architecture finalArch = arch;
      Consumer<RoundMetrics> onRound = m -> {
        metrics.add(m);
        dir.writeString("rounds.csv", metrics.csv());
        progress.round(m);
      };
      try (FedAvgEngine engine = new FedAvgEngine(sc, cfg.data(), plan, cfg.eval().testPartitions())) {
        FedAvgLoop fedavg = new FedAvgLoop(engine, cfg.federated(), cfg.eval(), cfg.seed());
        engine.phase(cfg.name(), searching ? "base model" : "FedAvg");
        if (!searching) {
          result = fedavg.run(arch, initialWeights(arch), ledger, onRound);
        } else {
          SearchConfig s = cfg.search();
          SearchLoop search = new SearchLoop(cfg.name(), engine, cfg.federated(), cfg.eval(), s, cfg.seed(), metric, device, ledger,
              progress);
          progress.roundsLeft((loadedBase != null ? 0 : s.baseRounds()) + search.plannedRounds(arch));
          ModelState base;
          double baseValidation;
          int baseRounds;
          if (loadedBase != null) {
            base = loadedBase;
            baseValidation = search.validationAccuracy(base);
            baseRounds = 0;
            progress.line(String.format(java.util.Locale.ROOT, "base model: %s from %s, val acc %.4f", arch.describe(), s.baseModel(),
                baseValidation));
          } else {
            progress.line("base model: " + s.baseRounds() + " FedAvg rounds");
            FedAvgLoop.Result trained = fedavg.run(arch, initialWeights(arch), ledger, 1, s.baseRounds(), 0, onRound);
            RoundMetrics lastBase = trained.rounds().get(trained.rounds().size() - 1);
            base = new ModelState(arch, trained.weights());
            baseValidation = lastBase.validationAccuracy();
            baseRounds = lastBase.round();
          }
          searched = search.run(base, baseValidation, baseRounds + 1);
          finalArch = searched.finalModel().arch();
          dir.writeString("search.csv", SearchTable.csv(searched.curve()));
          dir.writeString("tournament.csv", SearchTable.tournamentCsv(searched.tournament()));
          progress.line("long-term fine-tune: " + s.longTermRounds() + " FedAvg rounds of " + finalArch.describe());
          engine.phase(cfg.name(), "long-term fine-tune");
          result = fedavg.run(finalArch, searched.finalModel().weights(), ledger,
              baseRounds + searched.rounds() + 1, s.longTermRounds(), 0, onRound);
        }
      }
      saveModel(finalArch, result.weights(), dir.resolve("model.zip"));
      dir.writeString(PreviousRun.ARCHITECTURE_FILE, finalArch.toJson());
      dir.writeString("client_cost.csv", clientCostCsv(ledger));
      metrics.writeParquet(spark, dir.resolve("rounds.parquet"));
      for (String table : searched != null ? List.of("partition", "client_cost", "search", "tournament")
          : List.of("partition", "client_cost")) {
        CsvToParquet.convert(spark, dir, table);
      }
      double wall = (System.nanoTime() - start) / 1e9;
      ObjectNode summary = summary("completed", finalArch, result, ledger, wall, dir, sc);
      if (searched != null) {
        SearchTable.addToSummary(summary, searched, arch, metric);
      }
      try {
        HtmlReport.write(dir, summary);
      } catch (IOException | RuntimeException e) { // the run's results stand without their report
        progress.line("warning: report.html not written: " + e);
      }
      dir.writeString("summary.json", JSON.writeValueAsString(summary));
      RoundMetrics last = result.rounds().get(result.rounds().size() - 1);
      progress.line(String.format("done: test accuracy %s after %d rounds in %s%s; results in %s",
          Progress.pct(last.testAccuracy()).trim(), last.round(), Progress.duration(wall),
          result.reachedTarget() ? " (target reached)" : "", dir.root()));
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

  private ObjectNode summary(String status, Architecture arch, FedAvgLoop.Result result, CostLedger ledger,
      double wall, RunDirectory dir, JavaSparkContext sc) {
    ObjectNode s = JSON.createObjectNode();
    s.put("status", status);
    s.put("mode", cfg.mode());
    s.put("name", cfg.name());
    s.put("seed", cfg.seed());
    s.put("dataset", cfg.data().name());
    List<RoundMetrics> rounds = result.rounds();
    RoundMetrics last = rounds.get(rounds.size() - 1);
    s.put("test_accuracy", last.testAccuracy());
    s.put("test_loss", last.testLoss());
    s.put("validation_accuracy", nullIfNaN(last.validationAccuracy()));
    s.put("rounds", last.round()); // round numbers run on through every phase of a search
    s.put("reached_target", result.reachedTarget());
    s.put("wall_seconds", wall);
    CostLedger.Totals t = ledger.totals();
    ObjectNode cost = s.putObject("client_cost");
    cost.put("train_flops", t.trainFlops());
    cost.put("bytes_down", t.bytesDown());
    cost.put("bytes_up", t.bytesUp());
    cost.put("client_trainings", t.clientTrainings());
    ObjectNode model = s.putObject("final_model");
    model.put("arch", arch.name());
    model.put("params", ResourceCounter.params(arch));
    model.put("flops", ResourceCounter.forwardFlops(arch));
    model.put("path", dir.resolve("model.zip").toString());
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
    StringBuilder sb = new StringBuilder("client,client_trainings,train_flops,bytes_down,bytes_up\n");
    for (int c = 0; c < ledger.clients(); c++) {
      sb.append(c).append(',').append(ledger.trainings(c)).append(',').append(ledger.trainFlops(c)).append(',')
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
