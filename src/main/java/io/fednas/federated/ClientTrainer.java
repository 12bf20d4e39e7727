package io.fednas.federated;

import io.fednas.data.Seeds;
import io.fednas.model.NdBuffers;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** Local training on one client: E epochs of minibatch SGD from the global weights. Runs in a task. */
final class ClientTrainer {
  /** Minibatch buffers of this executor thread, refilled batch after batch. */
  private static final ThreadLocal<INDArray[]> BATCH = ThreadLocal.withInitial(() -> new INDArray[2]);

  private ClientTrainer() {}

  /** Trains model {@code modelId} from its global weights; returns the new weights in {@code out[0]}. */
  static ClientResult train(ClientShard shard, int modelId, double share, ModelState model, TrainingPlan plan, int round,
      int task, float[][] out) {
    long start = System.nanoTime();
    MultiLayerNetwork net = NetworkCache.get(model.arch(), plan.learningRate(), plan.momentum());
    loadWeights(net, model.weights());
    resetOptimizerState(net);
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
        INDArray[] buffers = BATCH.get();
        buffers[0] = NdBuffers.reuse(buffers[0], bs, d);
        buffers[1] = NdBuffers.reuse(buffers[1], bs, k);
        NdBuffers.copyInto(x, buffers[0]);
        NdBuffers.copyInto(y, buffers[1]);
        net.fit(new DataSet(buffers[0], buffers[1]));
        // score() is the batch's mean loss, computed in the forward pass of this step
        lossSum += net.score() * bs;
        batches++;
      }
    }
    out[0] = NdBuffers.toFloats(net.params());
    double seconds = (System.nanoTime() - start) / 1e9;
    return new ClientResult(shard.client(), modelId, n * plan.localEpochs(), share, lossSum, batches, seconds, task, null);
  }

  static void loadWeights(MultiLayerNetwork net, float[] weights) {
    if (weights.length != net.numParams()) {
      throw new IllegalStateException("weights of " + weights.length + " parameters for a network of " + net.numParams());
    }
    NdBuffers.copyInto(weights, net.params());
  }

  /** FedAvg clients start each round fresh: no momentum carried over from an earlier round. */
  private static void resetOptimizerState(MultiLayerNetwork net) {
    Updater updater = net.getUpdater();
    if (updater != null && updater.getStateViewArray() != null) {
      updater.getStateViewArray().assign(0);
    }
  }
}
