package io.fednas.federated;

import io.fednas.config.DataConfig;
import io.fednas.data.ClientPlan;
import io.fednas.data.ImageSet;
import io.fednas.model.Architecture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

/**
 * Federated rounds as Spark stages. Partition i of the clients RDD is client i, built on the
 * executors from the dataset files and the broadcast {@link ClientPlan}, and cached there: client
 * data never reaches the driver. A round broadcasts the global weights, runs one stage over the
 * sampled partitions only, and reduces the weighted weight sums on the executors.
 */
public final class FedAvgEngine implements AutoCloseable {
  private final JavaSparkContext sc;
  private final ClientPlan plan;
  private final Broadcast<ClientPlan> planBroadcast;
  private final JavaRDD<ClientShard> clients;
  private final JavaRDD<TestSlice> test;

  public FedAvgEngine(JavaSparkContext sc, DataConfig data, ClientPlan plan, int testPartitions) {
    this.sc = sc;
    this.plan = plan;
    this.planBroadcast = sc.broadcast(plan);
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

  /** One FedAvg round over the given sorted client ids; returns the new weights and client reports. */
  public RoundUpdate trainRound(int round, float[] globalWeights, int[] sampled, TrainingPlan training) {
    long total = 0;
    for (int c : sampled) {
      total += plan.train()[c].length;
    }
    Map<Integer, Double> share = new HashMap<>();
    for (int c : sampled) {
      share.put(c, (double) plan.train()[c].length / total);
    }
    Broadcast<float[]> weights = sc.broadcast(globalWeights);
    try {
      return ClientsRdd.only(clients, sampled)
          .map(shard -> {
            float[][] out = new float[1][];
            ClientResult r = ClientTrainer.train(shard, training, weights.value(), round, out);
            return RoundUpdate.of(out[0], share.get(shard.client()), r);
          })
          .treeReduce(RoundUpdate::merge, 2);
    } finally {
      weights.destroy();
    }
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

  /** Validation of the weights on the hold-outs of the given clients, summed in client order. */
  public EvalCounts validate(Architecture arch, float[] globalWeights, int[] clientIds, int batchSize) {
    Broadcast<float[]> weights = sc.broadcast(globalWeights);
    try {
      List<EvalCounts> parts = ClientsRdd.only(clients, clientIds)
          .map(s -> ModelEvaluator.evaluate(arch, weights.value(), s.valX(), s.valY(), batchSize))
          .collect();
      return sum(parts);
    } finally {
      weights.destroy();
    }
  }

  /** Test-set evaluation, distributed over a fixed number of slices and summed in slice order. */
  public EvalCounts test(Architecture arch, float[] globalWeights, int batchSize) {
    Broadcast<float[]> weights = sc.broadcast(globalWeights);
    try {
      return sum(test.map(s -> ModelEvaluator.evaluate(arch, weights.value(), s.x(), s.y(), batchSize)).collect());
    } finally {
      weights.destroy();
    }
  }

  private static EvalCounts sum(List<EvalCounts> ordered) {
    EvalCounts total = EvalCounts.EMPTY;
    for (EvalCounts e : new ArrayList<>(ordered)) {
      total = total.plus(e);
    }
    return total;
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
