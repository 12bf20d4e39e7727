package io.fednas.federated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.config.ConfigLoader;
import io.fednas.config.FedNasConfig;
import io.fednas.cost.CostLedger;
import io.fednas.data.ClientPlan;
import io.fednas.dl4j.Dl4jBackend;
import io.fednas.fleet.Fleet;
import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import io.fednas.model.ParameterLayout;
import io.fednas.model.ResourceCounter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The round engine on a real local Spark: only sampled clients run, and the result is FedAvg. */
class FedAvgEngineTest {
  static SparkSession spark;
  static JavaSparkContext sc;
  static FedNasConfig cfg;
  static ClientPlan plan;
  static Architecture arch;
  static final List<Integer> stageTasks = Collections.synchronizedList(new ArrayList<>());
  static final List<String> stageNames = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void start() {
    cfg = ConfigLoader.load(null, List.of("data.maxTrainSamples=2000", "data.maxTestSamples=500",
        "federated.clients=40", "federated.clientsPerRound=3", "data.partition=iid"));
    plan = ClientPlan.build(DatasetCache.get(cfg.data()).train(), cfg.data(), 40, cfg.seed());
    arch = Architectures.byName("lenet", 1, 28, 28, 10);
    spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    sc.sc().addSparkListener(new SparkListener() {
      @Override
      public void onStageSubmitted(SparkListenerStageSubmitted s) {
        stageTasks.add(s.stageInfo().numTasks());
        stageNames.add(s.stageInfo().name());
      }
    });
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void aRoundRunsOneTaskPerCoreAndAveragesTheClientsByTheirSampleShares() {
    ModelState w0 = new ModelState(arch, new Dl4jBackend().initialWeights(arch, 1));
    TrainingPlan training = new TrainingPlan(1, 32, 0.05, 0, 7);
    try (FedAvgEngine engine = new FedAvgEngine(sc, new Dl4jBackend(), cfg.data(), plan, 2, 0)) {
      int[] sampled = {4, 17, 33};
      stageTasks.clear();
      RoundUpdate update = engine.trainRound(1, w0, sampled, training);
      assertEquals(List.of(2), stageTasks, "stages and their task counts for a round of 3 of 40 clients on 2 cores");
      assertEquals(List.of(4, 17, 33), update.clients().stream().map(ClientResult::client).toList());
      for (ClientResult r : update.clients()) {
        assertEquals(plan.train()[r.client()].length, r.samples());
        assertTrue(Double.isFinite(r.meanTrainLoss()) && r.meanTrainLoss() > 0);
      }
      // FedAvg is the sample-weighted mean of the clients trained one by one
      float[] avg = update.averagedWeights();
      double[] expected = new double[avg.length];
      long total = 0;
      for (int c : sampled) {
        total += plan.train()[c].length;
      }
      for (int c : sampled) {
        RoundUpdate alone = engine.trainRound(1, w0, new int[] {c}, training);
        float[] wc = alone.averagedWeights();
        for (int i = 0; i < wc.length; i++) {
          expected[i] += wc[i] * (double) plan.train()[c].length / total;
        }
      }
      double maxDiff = 0;
      for (int i = 0; i < avg.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(avg[i] - expected[i]));
      }
      assertTrue(maxDiff < 1e-6, "FedAvg differs from the weighted mean by " + maxDiff);
      assertTrue(update.clients().stream().allMatch(r -> r.model() == 0));
      // the same round again gives the same bits
      assertArrayEquals(avg, engine.trainRound(1, w0, sampled, training).averagedWeights());

      EvalCounts test = engine.test(new ModelState(arch, avg), 100);
      assertEquals(500, test.count());
      EvalCounts val = engine.validate(new ModelState(arch, avg), new int[] {0, 1, 2}, 100);
      assertEquals(plan.validation()[0].length + plan.validation()[1].length + plan.validation()[2].length, val.count());
    }
  }

  @Test
  void candidatesTrainedSideBySideInOneStageEqualEachTrainedAlone() {
    Architecture narrow = arch.withWidth(4, 100);
    Map<Integer, ModelState> models = Map.of(
        0, new ModelState(arch, new Dl4jBackend().initialWeights(arch, 1)),
        1, new ModelState(narrow, new Dl4jBackend().initialWeights(narrow, 2)));
    TrainingPlan training = new TrainingPlan(1, 32, 0.05, 0, 7);
    try (FedAvgEngine engine = new FedAvgEngine(sc, new Dl4jBackend(), cfg.data(), plan, 2, 0)) {
      int[] sampled = {2, 5, 9, 30};
      int[] modelOf = {0, 1, 0, 1};
      stageTasks.clear();
      Map<Integer, RoundUpdate> both = engine.trainRound(3, models, sampled, modelOf, training, 0);
      assertEquals(List.of(2), stageTasks, "one stage, one task per core, for both candidates");
      assertEquals(List.of(2, 9), both.get(0).clients().stream().map(ClientResult::client).toList());
      assertEquals(List.of(5, 30), both.get(1).clients().stream().map(ClientResult::client).toList());
      assertArrayEquals(engine.trainRound(3, models.get(0), new int[] {2, 9}, training).averagedWeights(),
          both.get(0).averagedWeights());
      assertArrayEquals(engine.trainRound(3, models.get(1), new int[] {5, 30}, training).averagedWeights(),
          both.get(1).averagedWeights());
      Map<Integer, EvalCounts> val = engine.validate(models, new int[] {1, 2}, 50);
      assertEquals(val.get(0).count(), val.get(1).count());
      assertEquals(engine.validate(models.get(1), new int[] {1, 2}, 50), val.get(1));
    }
  }

  @Test
  void howClientsArePackedIntoTasksChangesNoBitOfTheResult() {
    ModelState w0 = new ModelState(arch, new Dl4jBackend().initialWeights(arch, 1));
    TrainingPlan training = new TrainingPlan(1, 32, 0.05, 0, 7);
    int[] sampled = {3, 8, 11, 20, 27};
    float[] reference = null;
    EvalCounts referenceVal = null;
    // {tasks, most tasks merged on the driver}: beyond that limit partial sums go through treeReduce
    for (int[] run : new int[][] {{5, 32}, {1, 32}, {2, 32}, {3, 32}, {3, 2}, {5, 1}}) {
      int tasks = run[0];
      try (FedAvgEngine engine = new FedAvgEngine(sc, new Dl4jBackend(), cfg.data(), plan, 2, tasks, run[1])) {
        stageTasks.clear();
        stageNames.clear();
        RoundUpdate update = engine.trainRound(2, w0, sampled, training);
        assertEquals(tasks > run[1], stageNames.get(0).startsWith("treeReduce"),
            "training stage " + stageNames.get(0) + " with " + tasks + " tasks, merge limit " + run[1]);
        EvalCounts val = engine.validate(new ModelState(arch, update.averagedWeights()), sampled, 64);
        assertEquals(List.of(tasks, tasks), stageTasks, "training and validation stages with spark.tasksPerStage " + tasks);
        assertEquals(tasks, update.clients().stream().mapToInt(ClientResult::task).distinct().count());
        if (reference == null) {
          reference = update.averagedWeights();
          referenceVal = val;
        } else {
          assertArrayEquals(reference, update.averagedWeights(), tasks + " tasks, merge limit " + run[1]);
          assertEquals(referenceVal, val, tasks + " tasks");
        }
      }
    }
  }

  @Test
  void clientsArePackedHeaviestFirstOntoTheLeastLoadedTask() {
    long[] work = {50, 7, 30, 30, 10, 9, 40, 1};
    List<Integer> ids = java.util.stream.IntStream.range(0, work.length).boxed().toList();
    List<List<Integer>> groups = new org.apache.spark.api.java.JavaRDD<>(
        sc.parallelize(ids, work.length).rdd().coalesce(3, false, scala.Option.apply(new BalancedGroups(work)), null),
        scala.reflect.ClassTag$.MODULE$.apply(Integer.class)).glom().collect();
    // by hand: 50 -> a, 40 -> b, 30 -> c, 30 -> c (60), 10 -> b (50), 9 -> a (a and b at 50, a has fewer),
    // 7 -> b (57), 1 -> b (58)
    assertEquals(List.of(List.of(0, 5), List.of(1, 4, 6, 7), List.of(2, 3)),
        groups.stream().map(g -> g.stream().sorted().toList()).toList());
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
    for (int trial = 0; trial < 20; trial++) { // LPT: loads differ by at most the largest client
      long[] w = rnd.longs(1 + rnd.nextInt(40), 1, 1000).toArray();
      int tasks = 1 + rnd.nextInt(6);
      List<List<Integer>> g = new org.apache.spark.api.java.JavaRDD<>(
          sc.parallelize(java.util.stream.IntStream.range(0, w.length).boxed().toList(), w.length).rdd()
              .coalesce(tasks, false, scala.Option.apply(new BalancedGroups(w)), null),
          scala.reflect.ClassTag$.MODULE$.apply(Integer.class)).glom().collect();
      long[] loads = g.stream().mapToLong(part -> part.stream().mapToLong(i -> w[i]).sum()).toArray();
      assertEquals(Math.min(tasks, w.length), loads.length);
      assertEquals(java.util.Arrays.stream(w).sum(), java.util.Arrays.stream(loads).sum());
      long spread = java.util.Arrays.stream(loads).max().getAsLong() - java.util.Arrays.stream(loads).min().getAsLong();
      assertTrue(spread <= java.util.Arrays.stream(w).max().getAsLong(), java.util.Arrays.toString(loads));
    }
  }

  @Test
  void updatesBeyondTheNormBoundAreRejectedWhereTheyAreComputedAndTheRestAveraged() {
    ModelState w0 = new ModelState(arch, new Dl4jBackend().initialWeights(arch, 1));
    TrainingPlan training = new TrainingPlan(1, 32, 0.05, 0, 7);
    int[] sampled = {4, 17, 33, 36};
    try (FedAvgEngine engine = new FedAvgEngine(sc, new Dl4jBackend(), cfg.data(), plan, 2, 0)) {
      double[] norms = new double[sampled.length];
      float[][] alone = new float[sampled.length][];
      for (int k = 0; k < sampled.length; k++) {
        alone[k] = engine.trainRound(1, w0, new int[] {sampled[k]}, training).averagedWeights();
        double sq = 0;
        for (int i = 0; i < alone[k].length; i++) {
          sq += Math.pow(alone[k][i] - w0.weights()[i], 2);
        }
        norms[k] = Math.sqrt(sq);
      }
      double[] sorted = norms.clone();
      java.util.Arrays.sort(sorted);
      double bound = (sorted[1] + sorted[2]) / 2; // the two largest updates are rejected
      Map<Integer, RoundUpdate> r = engine.trainRound(1, Map.of(0, w0), sampled, new int[sampled.length], training, bound);
      RoundUpdate update = r.get(0);
      double[] expected = new double[w0.weights().length];
      long total = 0;
      for (int k = 0; k < sampled.length; k++) {
        ClientResult c = update.clients().get(k);
        assertEquals(sampled[k], c.client());
        assertEquals(norms[k] > bound, !c.accepted(), "client " + c.client() + " norm " + norms[k] + " bound " + bound);
        if (!c.accepted()) {
          assertTrue(c.rejected().contains("faults.maxUpdateNorm"), c.rejected());
        } else {
          total += plan.train()[sampled[k]].length;
        }
      }
      for (int k = 0; k < sampled.length; k++) {
        if (norms[k] <= bound) {
          for (int i = 0; i < expected.length; i++) {
            expected[i] += alone[k][i] * (double) plan.train()[sampled[k]].length / total;
          }
        }
      }
      float[] avg = update.averagedWeights();
      double maxDiff = 0;
      for (int i = 0; i < avg.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(avg[i] - expected[i]));
      }
      assertTrue(maxDiff < 1e-6, "the accepted clients' FedAvg differs by " + maxDiff);
      // a bound no update meets: nothing to average
      RoundUpdate none = engine.trainRound(1, Map.of(0, w0), sampled, new int[sampled.length], training, 1e-9).get(0);
      assertEquals(null, none.averagedWeights());
      assertTrue(none.clients().stream().noneMatch(ClientResult::accepted));
    }
  }

  @Test
  void clippingBoundsEveryUpdateAndAClipNoUpdateReachesChangesNoBit() {
    ModelState w0 = new ModelState(arch, new Dl4jBackend().initialWeights(arch, 1));
    TrainingPlan training = new TrainingPlan(1, 32, 0.05, 0, 7);
    int[] sampled = {4, 17, 33, 36};
    double clip = 0.05;
    try (FedAvgEngine engine = new FedAvgEngine(sc, new Dl4jBackend(), cfg.data(), plan, 2, 0)) {
      for (int c : sampled) { // each client alone: its clipped update is at most the clip norm long
        float[] alone = engine.trainRound(1, Map.of(0, w0), new int[] {c}, new int[1], training, 0, clip, false).get(0)
            .averagedWeights();
        double unclipped = distance(engine.trainRound(1, w0, new int[] {c}, training).averagedWeights(), w0.weights());
        assertTrue(unclipped > clip, "the clip must bind: client " + c + " moved " + unclipped);
        assertEquals(clip, distance(alone, w0.weights()), 1e-5, "client " + c);
      }
      float[] together = engine.trainRound(1, Map.of(0, w0), sampled, new int[sampled.length], training, 0, clip, false)
          .get(0).averagedWeights();
      assertTrue(distance(together, w0.weights()) <= clip + 1e-5, "an average of clipped updates stays within the clip");
      assertArrayEquals(engine.trainRound(1, w0, sampled, training).averagedWeights(),
          engine.trainRound(1, Map.of(0, w0), sampled, new int[sampled.length], training, 0, 1e9, false).get(0)
              .averagedWeights(), "a clip no update reaches changes no bit");
    }
  }

  private static double distance(float[] a, float[] b) {
    double sq = 0;
    for (int i = 0; i < a.length; i++) {
      sq += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
    }
    return Math.sqrt(sq);
  }

  @Test
  void partitionJobsReturnEachPartitionsResultInOrderAndFailAsCollectWould() {
    org.apache.spark.rdd.RDD<Integer> numbers = sc.parallelize(List.of(1, 2, 3, 4, 5, 6, 7), 5).rdd();
    List<Integer> sums = PartitionJobs.run(sc.sc(), numbers, it -> {
      int sum = 0;
      while (it.hasNext()) {
        sum += it.next();
      }
      return sum;
    });
    List<Integer> expected = new ArrayList<>();
    sc.parallelize(List.of(1, 2, 3, 4, 5, 6, 7), 5).glom().collect()
        .forEach(p -> expected.add(p.stream().mapToInt(Integer::intValue).sum()));
    assertEquals(expected, sums);

    Exception failed = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> PartitionJobs.run(sc.sc(),
        numbers, it -> {
          throw new IllegalArgumentException("client 3 has no data");
        }));
    assertEquals(org.apache.spark.SparkException.class, failed.getClass(), failed.toString());
    assertTrue(failed.getMessage().startsWith("Job aborted due to stage failure"), failed.getMessage());
    assertTrue(failed.getMessage().contains("client 3 has no data"), failed.getMessage());
  }

  @Test
  void batchNormStatisticsAreAveragedByTheClientsSampleSharesLikeEveryWeight() {
    Architecture mobile = Architectures.byName("mobilenet-28", 0.25, 1, 28, 28, 10);
    ModelState w0 = new ModelState(mobile, new Dl4jBackend().initialWeights(mobile, 1));
    TrainingPlan training = new TrainingPlan(1, 32, 0.05, 0, 7);
    try (FedAvgEngine engine = new FedAvgEngine(sc, new Dl4jBackend(), cfg.data(), plan, 2, 0)) {
      int[] sampled = {4, 17};
      float[] avg = engine.trainRound(1, w0, sampled, training).averagedWeights();
      float[][] alone = new float[2][];
      for (int i = 0; i < 2; i++) {
        alone[i] = engine.trainRound(1, w0, new int[] {sampled[i]}, training).averagedWeights();
      }
      double n0 = plan.train()[4].length;
      double n1 = plan.train()[17].length;
      int statistics = 0;
      for (ParameterLayout.Tensor t : ParameterLayout.of(mobile).tensors()) {
        if (!t.name().equals("mean") && !t.name().equals("var")) {
          continue;
        }
        for (int i = t.offset(); i < t.offset() + t.size(); i++) {
          double expected = (alone[0][i] * n0 + alone[1][i] * n1) / (n0 + n1);
          assertEquals(expected, avg[i], 1e-6, t.name() + " of layer " + t.layer());
          statistics += alone[0][i] != w0.weights()[i] ? 1 : 0;
        }
      }
      assertTrue(statistics > 0, "the clients' training moved the running statistics");
    }
  }

  @Test
  void clientsScoreTheModelTheyDownloadedBeforeTrainingAtNoExtraBytes() {
    Architecture narrow = arch.withWidth(4, 100);
    Map<Integer, ModelState> models = Map.of(
        0, new ModelState(arch, new Dl4jBackend().initialWeights(arch, 1)),
        1, new ModelState(narrow, new Dl4jBackend().initialWeights(narrow, 2)));
    int[] sampled = {2, 5, 9, 30};
    int[] modelOf = {0, 1, 0, 1};
    int[] trainSizes = java.util.Arrays.stream(plan.train()).mapToInt(t -> t.length).toArray();
    try (FedAvgEngine engine = new FedAvgEngine(sc, new Dl4jBackend(), cfg.data(), plan, 2, 0)) {
      CostLedger scoredLedger = new CostLedger(40);
      CostLedger plainLedger = new CostLedger(40);
      Fleet fleet = Fleet.of(cfg.simulation(), null, java.nio.file.Path.of("conf/devices"), cfg.seed(), trainSizes, 1);
      RoundRunner.Outcome scored = new RoundRunner(engine, fleet, cfg.faults(), 40, 4, scoredLedger)
          .run(3, models, sampled, modelOf, new TrainingPlan(1, 32, 0.05, 0, 7, 50));
      RoundRunner.Outcome plain = new RoundRunner(engine, fleet, cfg.faults(), 40, 4, plainLedger)
          .run(3, models, sampled, modelOf, new TrainingPlan(1, 32, 0.05, 0, 7));
      // each candidate's score is what its own clients' hold-outs say of the model as it was sent
      assertEquals(engine.validate(models.get(0), new int[] {2, 9}, 50), scored.scores().get(0));
      assertEquals(engine.validate(models.get(1), new int[] {5, 30}, 50), scored.scores().get(1));
      assertEquals(Map.of(), plain.scores());
      // scoring changes no training, adds no byte, and its forward passes are counted apart
      assertArrayEquals(plain.models().get(0).weights(), scored.models().get(0).weights());
      assertEquals(plainLedger.totals().bytesDown(), scoredLedger.totals().bytesDown());
      assertEquals(plainLedger.totals().bytesUp(), scoredLedger.totals().bytesUp());
      assertEquals(plainLedger.totals().trainFlops(), scoredLedger.totals().trainFlops());
      assertEquals(0, scoredLedger.totals().scoringBytesDown());
      long expectedFlops = ResourceCounter.forwardFlops(arch) * scored.scores().get(0).count()
          + ResourceCounter.forwardFlops(narrow) * scored.scores().get(1).count();
      assertEquals(expectedFlops, scoredLedger.totals().scoringFlops());
      assertEquals(0, plainLedger.totals().scoringFlops());
      // scoring on separate validation clients: each downloads each model
      CostLedger validators = new CostLedger(40);
      new RoundRunner(engine, fleet, cfg.faults(), 40, 4, validators).validate(models, new int[] {1, 2, 3}, 50);
      assertEquals(3 * 4L * (ResourceCounter.params(arch) + ResourceCounter.params(narrow)),
          validators.totals().scoringBytesDown());
    }
  }
}
