package io.fednas.federated;

import io.fednas.config.DataConfig;
import io.fednas.data.ClientPlan;
import io.fednas.data.ImageSet;
import io.fednas.model.NetworkBackend;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Federated rounds as Spark stages. Partition i of the clients RDD is client i, built on the
 * executors from the dataset files and the broadcast {@link ClientPlan}, and cached there: client
 * data never reaches the driver. A round broadcasts the global weights, runs one stage over the
 * sampled partitions only, and merges the tasks' weighted weight sums (one per model a task
 * trained, whatever its number of clients). A stage runs one task per task slot, each training
 * several clients one after another and summing their updates
 * in place: a task costs scheduling, a result of O(parameters) to serialise and a merge, and one
 * per client made that 8-13% of a round (docs/benchmarks/2026-11-28-sessions-1-9.md, "Round overhead").
 */
public final class FedAvgEngine implements AutoCloseable {
  private final JavaSparkContext sc;
  private final NetworkBackend backend;
  private String phase = "fednas";
  private final ClientPlan plan;
  private final Broadcast<ClientPlan> planBroadcast;
  private final JavaRDD<ClientShard> clients;
  private final JavaRDD<TestSlice> test;
  private final int tasksPerStage;
  private final int driverMergeMaxTasks;
  private final ExecutorBackends executorBackends = new ExecutorBackends();
  /**
   * A training stage of at most this many tasks has their partial sums merged on the driver, in one
   * job without Spark's closure machinery (30 ms less a round than treeReduce); beyond it the
   * driver would receive too many O(parameters) results, and treeReduce merges them on the executors.
   */
  static final int DRIVER_MERGE_MAX_TASKS = 32;

  /**
   * @param tasksPerStage how many tasks a stage over clients runs (at most one per client); 0: Spark's
   *     default parallelism, one task per core of the application
   */
  public FedAvgEngine(JavaSparkContext sc, NetworkBackend backend, DataConfig data, ClientPlan plan, int testPartitions,
      int tasksPerStage) {
    this(sc, backend, data, plan, testPartitions, tasksPerStage, DRIVER_MERGE_MAX_TASKS);
  }

  FedAvgEngine(JavaSparkContext sc, NetworkBackend backend, DataConfig data, ClientPlan plan, int testPartitions,
      int tasksPerStage, int driverMergeMaxTasks) {
    this.sc = sc;
    this.backend = backend;
    this.driverMergeMaxTasks = driverMergeMaxTasks;
    this.plan = plan;
    this.tasksPerStage = tasksPerStage;
    this.planBroadcast = sc.broadcast(plan);
    sc.sc().register(executorBackends, "executor backends");
    Broadcast<ClientPlan> pb = planBroadcast;
    List<Integer> ids = IntStream.range(0, plan.clients()).boxed().toList();
    this.clients = sc.parallelize(ids, plan.clients())
        .map(id -> shardOf(data, pb.value(), id))
        .persist(StorageLevel.MEMORY_ONLY());
    clients.setName("clients");
    List<Integer> slices = IntStream.range(0, testPartitions).boxed().toList();
    this.test = sc.parallelize(slices, testPartitions)
        .map(s -> TestSlice.of(DatasetCache.get(data).test(), s, testPartitions))
        .persist(StorageLevel.MEMORY_ONLY());
    test.setName("test set");
  }

  private static ClientShard shardOf(DataConfig data, ClientPlan plan, int client) {
    ImageSet train = DatasetCache.get(data).train();
    int[] t = plan.train()[client];
    int[] v = plan.validation()[client];
    return new ClientShard(client, train.imageSize(), train.pixelsAsFloats(t), train.labelsOf(t),
        train.pixelsAsFloats(v), train.labelsOf(v));
  }

  /** One FedAvg round of a single model over the given sorted client ids, every finite update accepted. */
  public RoundUpdate trainRound(int round, ModelState model, int[] sampled, TrainingPlan training) {
    return trainRound(round, Map.of(0, model), sampled, new int[sampled.length], training, 0).get(0);
  }

  /**
   * One round in which each sampled client trains one of several models ({@code modelOf[i]} is the
   * model of {@code sampled[i]}), all in the same stage. Each model's update is the FedAvg of its
   * own clients, weighted by their sample counts. Each task sums its clients' updates per model; up
   * to {@link #DRIVER_MERGE_MAX_TASKS} tasks' sums are merged on the driver as they arrive, more in a
   * tree on the executors (treeReduce), so the driver never receives more than that many
   * O(models x parameters) results. Each update is checked where it is computed
   * ({@link UpdateCheck}, with {@code maxUpdateNorm}); a rejected one is reported, not summed.
   */
  public Map<Integer, RoundUpdate> trainRound(int round, Map<Integer, ModelState> models, int[] sampled,
      int[] modelOf, TrainingPlan training, double maxUpdateNorm) {
    return trainRound(round, models, sampled, modelOf, training, maxUpdateNorm, 0, false);
  }

  /**
   * As above; with {@code clipNorm} > 0 every accepted update is first clipped to that L2 norm on
   * the executor (privacy.clipNorm), so no client moves a model further than that. With
   * {@code uniform}, every client of a model weighs the same (DP-FedAvg's average), not by its samples.
   */
  public Map<Integer, RoundUpdate> trainRound(int round, Map<Integer, ModelState> models, int[] sampled,
      int[] modelOf, TrainingPlan training, double maxUpdateNorm, double clipNorm, boolean uniform) {
    Map<Integer, Long> total = new HashMap<>();
    Map<Integer, Integer> assignment = new HashMap<>();
    for (int i = 0; i < sampled.length; i++) {
      assignment.put(sampled[i], modelOf[i]);
      total.merge(modelOf[i], uniform ? 1L : plan.train()[sampled[i]].length, Long::sum);
    }
    Map<Integer, Double> share = new HashMap<>();
    for (int i = 0; i < sampled.length; i++) {
      share.put(sampled[i], (double) (uniform ? 1L : plan.train()[sampled[i]].length) / total.get(modelOf[i]));
    }
    describe(String.format("round %d: train %s on %d clients", round, modelNames(models), sampled.length));
    Broadcast<Map<Integer, ModelState>> shipped = sc.broadcast(new HashMap<>(models));
    NetworkBackend backend = this.backend;
    ExecutorBackends used = executorBackends;
    try {
      int tasks = tasks(sampled.length);
      JavaRDD<ClientShard> stage = ClientsRdd.grouped(clients, sampled, sizes(plan.train(), sampled), tasks);
      PartitionJobs.PartitionFunction<ClientShard, Map<Integer, RoundUpdate>> trainClients = shards -> {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        used.add("executor " + env.executorId() + " on " + env.blockManager().blockManagerId().host() + ": "
            + backend.describe());
        Map<Integer, RoundUpdate> sums = new HashMap<>();
        while (shards.hasNext()) {
          ClientShard shard = shards.next();
          int id = assignment.get(shard.client());
          float[][] out = new float[1][];
          ModelState global = shipped.value().get(id);
          // scored before training: the tournament ranks the global candidate, not a locally adapted one
          EvalCounts score = training.scores() ? ModelEvaluator.evaluate(backend, global.arch(), global.weights(),
              shard.valX(), shard.valY(), training.scoreBatchSize()) : null;
          ClientResult r = ClientTrainer.train(backend, shard, id, share.get(shard.client()), global, training, round,
              TaskContext.getPartitionId(), out);
          String problem = UpdateCheck.checkAndClip(global.weights(), out[0], maxUpdateNorm, clipNorm);
          ClientResult checked = (problem == null ? r : r.rejectedFor(problem)).scored(score);
          RoundUpdate sum = sums.get(id);
          if (sum == null) {
            sums.put(id, RoundUpdate.of(out[0], checked));
          } else {
            sum.add(out[0], checked);
          }
        }
        return sums;
      };
      if (tasks > driverMergeMaxTasks) { // many tasks: partial sums merged on the executors first
        return stage.mapPartitions(shards -> List.of(trainClients.apply(shards)).iterator())
            .treeReduce(FedAvgEngine::mergeByModel, 2);
      }
      Map<Integer, RoundUpdate> merged = new HashMap<>();
      PartitionJobs.forEach(sc.sc(), stage.rdd(), trainClients, (task, sums) -> mergeByModel(merged, sums));
      return merged; // exact sums: neither the merge order nor the path changes a bit
    } finally {
      shipped.destroy();
    }
  }

  /** The sample counts of the given clients, from the plan's per-client sample indices. */
  private static long[] sizes(int[][] samplesByClient, int[] clientIds) {
    long[] out = new long[clientIds.length];
    for (int i = 0; i < clientIds.length; i++) {
      out[i] = samplesByClient[clientIds[i]].length;
    }
    return out;
  }

  /** Tasks for a stage over {@code clients} clients. */
  private int tasks(int clients) {
    return Math.min(clients, tasksPerStage > 0 ? tasksPerStage : sc.defaultParallelism());
  }

  private static Map<Integer, RoundUpdate> mergeByModel(Map<Integer, RoundUpdate> a, Map<Integer, RoundUpdate> b) {
    for (Map.Entry<Integer, RoundUpdate> e : b.entrySet()) {
      a.merge(e.getKey(), e.getValue(), RoundUpdate::merge);
    }
    return a;
  }

  /**
   * Each executor that trained clients in this attempt, with the ND4J backend and convolution path
   * its tasks used, one line per executor.
   */
  public java.util.Set<String> executorBackends() {
    return executorBackends.value();
  }

  /** The size of client {@code client}'s validation hold-out. */
  public int validationSize(int client) {
    return plan.validation()[client].length;
  }

  /** Whether any client holds out validation data. */
  public boolean hasValidationData() {
    for (int[] v : plan.validation()) {
      if (v.length > 0) {
        return true;
      }
    }
    return false;
  }

  /** Validation of one model on the hold-outs of the given clients, summed in client order. */
  public EvalCounts validate(ModelState model, int[] clientIds, int batchSize) {
    return validate(Map.of(0, model), clientIds, batchSize).get(0);
  }

  /** Validation of several models on the same clients' hold-outs: each task scores every model. */
  public Map<Integer, EvalCounts> validate(Map<Integer, ModelState> models, int[] clientIds, int batchSize) {
    List<Integer> ids = new ArrayList<>(new java.util.TreeSet<>(models.keySet()));
    describe(String.format("validate %s on %d clients", modelNames(models), clientIds.length));
    Broadcast<Map<Integer, ModelState>> shipped = sc.broadcast(new HashMap<>(models));
    NetworkBackend backend = this.backend;
    try {
      JavaRDD<ClientShard> stage = ClientsRdd.grouped(clients, clientIds, sizes(plan.validation(), clientIds),
          tasks(clientIds.length));
      List<Tuple2<Integer, EvalCounts[]>> parts = new ArrayList<>();
      PartitionJobs.run(sc.sc(), stage.rdd(), shards -> {
        List<Tuple2<Integer, EvalCounts[]>> scored = new ArrayList<>();
        while (shards.hasNext()) {
          ClientShard s = shards.next();
          EvalCounts[] out = new EvalCounts[ids.size()];
          for (int i = 0; i < out.length; i++) {
            ModelState m = shipped.value().get(ids.get(i));
            out[i] = ModelEvaluator.evaluate(backend, m.arch(), m.weights(), s.valX(), s.valY(), batchSize);
          }
          scored.add(new Tuple2<>(s.client(), out));
        }
        return scored;
      }).forEach(parts::addAll);
      parts.sort(Comparator.comparingInt(Tuple2::_1)); // summed in client order, whatever the tasks
      Map<Integer, EvalCounts> result = new HashMap<>();
      for (int i = 0; i < ids.size(); i++) {
        List<EvalCounts> column = new ArrayList<>();
        for (Tuple2<Integer, EvalCounts[]> p : parts) {
          column.add(p._2()[i]);
        }
        result.put(ids.get(i), sum(column));
      }
      return result;
    } finally {
      shipped.destroy();
    }
  }

  /** Test-set evaluation, distributed over a fixed number of slices and summed in slice order. */
  public EvalCounts test(ModelState model, int batchSize) {
    describe("test " + model.arch().describe());
    Broadcast<ModelState> shipped = sc.broadcast(model);
    NetworkBackend backend = this.backend;
    try {
      return sum(PartitionJobs.run(sc.sc(), test.rdd(), slices -> {
        EvalCounts total = EvalCounts.EMPTY; // a test partition holds one slice
        while (slices.hasNext()) {
          TestSlice s = slices.next();
          total = total.plus(ModelEvaluator.evaluate(backend, shipped.value().arch(), shipped.value().weights(), s.x(), s.y(),
              batchSize));
        }
        return total;
      }));
    } finally {
      shipped.destroy();
    }
  }

  private static EvalCounts sum(List<EvalCounts> ordered) {
    EvalCounts total = EvalCounts.EMPTY;
    for (EvalCounts e : ordered) {
      total = total.plus(e);
    }
    return total;
  }

  /**
   * What the run is doing now ("search iteration 3", say): the Spark UI shows the run's name, the
   * phase, the round and the models as each job's group and description.
   */
  public void phase(String runName, String phase) {
    this.phase = runName + ": " + phase;
  }

  private void describe(String what) {
    sc.setJobGroup(phase, phase + ": " + what, false);
  }

  private static String modelNames(Map<Integer, ModelState> models) {
    if (models.size() == 1) {
      return models.values().iterator().next().arch().describe();
    }
    StringBuilder sb = new StringBuilder(models.size() + " candidates");
    models.forEach((id, m) -> sb.append(sb.indexOf("[") < 0 ? " [" : ", ").append(id).append(' ').append(m.arch().describe()));
    return sb.append(']').toString();
  }

  @Override
  public void close() {
    clients.unpersist(false);
    test.unpersist(false);
    planBroadcast.destroy();
  }

  /** A contiguous slice of the test set, as flat scaled features. */
  record TestSlice(float[] x, int[] y) implements java.io.Serializable {
    static TestSlice of(ImageSet test, int slice, int slices) {
      int from = (int) ((long) slice * test.size() / slices);
      int to = (int) ((long) (slice + 1) * test.size() / slices);
      int[] idx = IntStream.range(from, to).toArray();
      return new TestSlice(test.pixelsAsFloats(idx), test.labelsOf(idx));
    }
  }
}
