package io.fednas.federated;

import io.fednas.model.Architecture;
import io.fednas.model.NetworkBackend;
import io.fednas.model.TrainableNetwork;

/** Accuracy and cross-entropy of given weights on flat features, in minibatches. Runs in a task. */
final class ModelEvaluator {
  private ModelEvaluator() {}

  static EvalCounts evaluate(NetworkBackend backend, Architecture arch, float[] weights, float[] x, int[] y,
      int batchSize) {
    if (y.length == 0) {
      return EvalCounts.EMPTY;
    }
    TrainableNetwork net = backend.network(arch, 0.0, 0.0);
    net.setWeights(weights);
    int d = x.length / y.length;
    int k = arch.numClasses();
    long correct = 0;
    double loss = 0;
    for (int from = 0; from < y.length; from += batchSize) {
      int bs = Math.min(batchSize, y.length - from);
      float[] xb = new float[bs * d];
      System.arraycopy(x, from * d, xb, 0, bs * d);
      float[] p = net.predict(xb, bs);
      for (int i = 0; i < bs; i++) {
        int label = y[from + i];
        int best = 0;
        for (int j = 1; j < k; j++) {
          if (p[i * k + j] > p[i * k + best]) {
            best = j;
          }
        }
        if (best == label) {
          correct++;
        }
        loss -= Math.log(Math.max(p[i * k + label], 1e-12f));
      }
    }
    return new EvalCounts(correct, y.length, loss);
  }
}
