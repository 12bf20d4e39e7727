package io.fednas.federated;

import io.fednas.data.Seeds;
import io.fednas.model.NetworkBackend;
import io.fednas.model.TrainableNetwork;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Local training on one client: E epochs of minibatch SGD from the global weights. Runs in a task. */
final class ClientTrainer {
  private ClientTrainer() {}

  /** Trains model {@code modelId} from its global weights; returns the new weights in {@code out[0]}. */
  static ClientResult train(NetworkBackend backend, ClientShard shard, int modelId, double share, ModelState model,
      TrainingPlan plan, int round, int task, float[][] out) {
    long start = System.nanoTime();
    TrainableNetwork net = backend.network(model.arch(), plan.learningRate(), plan.momentum());
    net.setWeights(model.weights());
    net.resetOptimizer(); // FedAvg clients start each round fresh: no momentum carried over
    int n = shard.trainSize();
    int d = shard.featureSize();
    int k = model.arch().numClasses();
    int[] order = new int[n];
    double lossSum = 0;
    long batches = 0;
    for (int epoch = 0; epoch < plan.localEpochs(); epoch++) {
      Arrays.setAll(order, i -> i);
      SplittableRandom rng = Seeds.random(plan.seed(), Seeds.LOCAL_SHUFFLE, round, shard.client(), epoch);
      Seeds.shuffle(order, rng);
      for (int from = 0; from < n; from += plan.batchSize()) {
        int bs = Math.min(plan.batchSize(), n - from);
        float[] x = new float[bs * d];
        float[] y = new float[bs * k];
        for (int i = 0; i < bs; i++) {
          int s = order[from + i];
          System.arraycopy(shard.trainX(), s * d, x, i * d, d);
          y[i * k + shard.trainY()[s]] = 1f;
        }
        lossSum += net.fit(x, y, bs) * bs;
        batches++;
      }
    }
    out[0] = net.weights();
    double seconds = (System.nanoTime() - start) / 1e9;
    return new ClientResult(shard.client(), modelId, n * plan.localEpochs(), share, lossSum, batches, seconds, task, null,
        null);
  }
}
