package io.fednas.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.checkpoint.CheckpointFile;
import io.fednas.checkpoint.RunState.Phase;
import io.fednas.checkpoint.RunState;
import io.fednas.config.FedNasConfig;
import io.fednas.config.PredictorConfig;
import io.fednas.cost.CostLedger;
import io.fednas.data.Seeds;
import io.fednas.federated.FedAvgEngine;
import io.fednas.federated.FedAvgLoop;
import io.fednas.federated.ModelState;
import io.fednas.federated.RoundRunner;
import io.fednas.fleet.ClientSampler;
import io.fednas.model.Architecture;
import io.fednas.model.NetworkBackend;
import io.fednas.model.ResourceCounter;
import io.fednas.predictor.MllibScorePredictor;
import io.fednas.predictor.PredictorHistory;
import io.fednas.registry.ModelRegistry;
import io.fednas.registry.RegistryEntry;
import io.fednas.report.PartitionSummary;
import io.fednas.report.Progress;
import io.fednas.report.RunDirectory;
import io.fednas.search.CandidatePredictor;
import io.fednas.search.SearchLoop;
import io.fednas.search.TournamentRecord;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * One run from a validated config to a complete run directory: the set-up (so bad input fails
 * before Spark starts), the run directory (new, or the one to resume), Spark, the phases, and the
 * outputs. A failure once the directory exists leaves summary.json with status "failed".
 */
final class JobRun {
  private final FedNasConfig cfg;
  private final PrintStream out;
  private final NetworkBackend backend;

  JobRun(FedNasConfig cfg, PrintStream out, NetworkBackend backend) {
    this.cfg = cfg;
    this.out = out;
    this.backend = backend;
  }

  /**
   * Runs to completion; returns the run directory. {@code resume}: continue the run in
   * {@code outputDir} from its checkpoint.
   */
  Path run(Path outputDir, boolean resume) {
    long start = System.nanoTime();
    RunSetup setup = RunSetup.prepare(cfg, backend);
    Architecture arch = setup.arch();
    RunDirectory dir;
    RunState state;
    String fallback = null;
    if (resume) {
      dir = RunDirectory.existing(outputDir);
      if (PreviousRun.completed(outputDir)) {
        out.println("run " + outputDir + " has already completed; nothing to resume");
        return outputDir;
      }
      CheckpointFile.Resumed from = CheckpointFile.readForResume(outputDir);
      state = from.state();
      fallback = from.fallback();
      state.requireSameConfig(cfg.render(), outputDir);
    } else {
      dir = RunDirectory.prepare(outputDir, cfg.overwrite());
      Phase first = !setup.searching() ? Phase.FEDAVG : setup.loadedBase() != null ? Phase.SEARCH : Phase.BASE;
      ModelState model = setup.loadedBase() != null ? setup.loadedBase()
          : new ModelState(arch, backend.initialWeights(arch, Seeds.derive(cfg.seed(), Seeds.INIT)));
      state = RunState.start(cfg.render(), first, model, setup.plan().clients());
    }
    Progress progress = new Progress(out, setup.searching() ? 0 : cfg.federated().rounds());
    progress.line("run directory: " + dir.root());
    if (fallback != null) {
      progress.line(fallback);
    }
    if (resume) {
      progress.line("resuming from the checkpoint after round " + state.lastRound() + " (" + state.phase().label() + ")");
    }
    progress.line(String.format("%s: %d training / %d test samples, %d clients (%s), %d per round; %s, %,d parameters, %,d forward FLOPs",
        setup.data().name(), setup.data().train().size(), setup.data().test().size(), setup.plan().clients(),
        cfg.data().partition(), cfg.federated().clientsPerRound(), arch.name(), ResourceCounter.params(arch),
        ResourceCounter.forwardFlops(arch)));
    progress.line(setup.fleet().describe());
    if (!resume) {
      dir.writeString("config.conf", cfg.render());
      dir.writeString("architecture.json", arch.toJson());
      dir.writeString("partition.csv", PartitionSummary.of(setup.plan(), setup.data().train()).csv());
    }
    RunOutputs outputs = new RunOutputs(cfg, dir, backend);
    SparkSession spark = null;
    try {
      spark = SparkSessions.start(cfg);
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      progress.line("spark: " + sc.master() + ", default parallelism " + sc.defaultParallelism());
      CostLedger ledger = CostLedger.of(state.ledger());
      RunPhases phases;
      RunState done;
      RunRegistry registry = new RunRegistry(cfg, backend);
      Provenance provenance;
      ObjectNode identity;
      List<RegistryEntry> registered;
      java.util.Set<String> executors;
      try (FedAvgEngine engine = new FedAvgEngine(sc, backend, cfg.data(), setup.plan(), cfg.eval().testPartitions(),
          cfg.tasksPerStage())) {
        RoundRunner rounds = new RoundRunner(engine, setup.fleet(), cfg.faults(), cfg.privacy(), cfg.seed(),
            cfg.federated().clients(), cfg.federated().clientsPerRound(), ledger);
        rounds.restore(state.rounds());
        FedAvgLoop fedavg = new FedAvgLoop(engine, rounds, ledger, cfg.federated(), cfg.eval(), cfg.seed(),
            setup.privacy());
        SearchLoop search = setup.searching() ? new SearchLoop(cfg.name(), rounds, cfg.federated(), cfg.eval(),
            setup.policies(), cfg.seed(), ledger, progress, setup.privacy(), predictor(spark, setup.arch(), progress))
            : null;
        phases = new RunPhases(cfg, setup, state, rounds, ledger, fedavg, search, progress, dir, start);
        done = phases.run(resume);
        provenance = Provenance.of(cfg.source(), sc);
        identity = provenance.identity(cfg, backend);
        int[] validators = ClientSampler.validators(cfg.seed(), 0, cfg.federated().clients(),
            cfg.eval().validationClients());
        int batch = cfg.eval().batchSize();
        registered = registry.register(dir, done, ledger, new RunRegistry.Evaluators(
            m -> engine.hasValidationData() ? engine.validate(m, validators, batch).accuracy() : Double.NaN,
            m -> engine.test(m, batch).accuracy(), pointFineTune(fedavg, done.lastRound(), progress)),
            identity);
        executors = engine.executorBackends();
      }
      ObjectNode summary = outputs.complete(done, ledger, done.rounds().failures(), setup, phases.checkpoints(), resume,
          spark, provenance, registered.get(registered.size() - 1));
      summary.set("deployment", registry.deployment(registered));
      for (String key : List.of("config_sha256", "dataset_sha256", "git_commit", "backend")) {
        ((ObjectNode) summary.get("provenance")).set(key, identity.get(key));
      }
      // what the executors trained with (the driver's view above may differ: another image, another node)
      executors.forEach(((ObjectNode) summary.get("provenance")).putArray("executors")::add);
      ModelRegistry.writeParquet(spark, ModelRegistry.folder(dir), registered);
      outputs.finish(summary, progress);
      progress.line(String.format("done: test accuracy %s after %d rounds in %s%s; results in %s",
          Progress.pct(summary.get("test_accuracy").asDouble()).trim(), summary.get("rounds").asInt(),
          Progress.duration(summary.get("wall_seconds").asDouble()),
          done.reachedTarget() ? " (target reached)" : "", dir.root()));
      return dir.root();
    } catch (Exception e) { // Spark throws its checked SparkException undeclared
      outputs.failed(e, (System.nanoTime() - start) / 1e9);
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    } finally {
      if (spark != null) {
        spark.stop();
      }
    }
  }

  /** search.predictor's rule with its model on the driver's session, warmed up by search.predictorHistory; null when off. */
  private CandidatePredictor predictor(SparkSession spark, Architecture arch, Progress progress) {
    PredictorConfig p = cfg.search().predictor();
    if (!p.on()) {
      return null;
    }
    List<TournamentRecord> history = PredictorHistory.load(spark, p.history(), arch);
    if (!p.history().isEmpty()) {
      progress.line("predictor: " + history.size() + " observed scores from " + p.history().size()
          + " earlier run(s) (search.predictorHistory)");
    }
    return new CandidatePredictor(new MllibScorePredictor(spark, p.kind(), cfg.seed()), p.keep(), p.minPairs(),
        history);
  }

  /**
   * search.fineTuneEach FedAvg rounds for each registered point in turn, numbered on after the run's
   * last round (round numbers seed the client sampling). Not checkpointed: they run after the run's
   * last checkpoint, so a resume repeats them, with the same results.
   */
  private java.util.function.UnaryOperator<ModelState> pointFineTune(FedAvgLoop fedavg, int lastRound,
      Progress progress) {
    int each = cfg.search().fineTuneEach();
    int[] round = {lastRound};
    return m -> {
      progress.line("registry: " + each + " FedAvg rounds of " + m.arch().describe() + " (search.fineTuneEach)");
      int from = round[0] + 1;
      round[0] += each;
      return new ModelState(m.arch(), fedavg.run(m.arch(), m.weights(), from, round[0], 0, (r, w) -> progress.round(r))
          .weights());
    };
  }
}
