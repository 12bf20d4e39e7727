package io.fednas.federated;

import java.io.Serializable;

/**
 * What a client does in one round besides the model: local SGD settings, the seeds' root, and
 * whether it first scores the model it downloaded on its own validation hold-out (in minibatches
 * of {@code scoreBatchSize}; 0: it does not score).
 */
public record TrainingPlan(int localEpochs, int batchSize, double learningRate, double momentum, long seed,
    int scoreBatchSize) implements Serializable {
  /** A plan whose clients train only. */
  public TrainingPlan(int localEpochs, int batchSize, double learningRate, double momentum, long seed) {
    this(localEpochs, batchSize, learningRate, momentum, seed, 0);
  }

  public boolean scores() {
    return scoreBatchSize > 0;
  }
}
