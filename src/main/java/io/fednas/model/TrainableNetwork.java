package io.fednas.model;

/**
 * One built network on one thread: set its weights, fit minibatches, read weights and predictions.
 * Features are flat, {@code batch x features} row-major; labels one-hot, {@code batch x classes}.
 */
public interface TrainableNetwork {
  /** Sets every weight (the vector's length must be the network's parameter count). */
  void setWeights(float[] weights);

  /** Forgets the optimizer's state (momentum): FedAvg clients start each round fresh. */
  void resetOptimizer();

  /** One SGD step on a minibatch; returns the minibatch's mean loss, computed in that step's forward pass. */
  double fit(float[] features, float[] oneHotLabels, int batch);

  float[] weights();

  /** Class probabilities, {@code batch x classes} row-major. */
  float[] predict(float[] features, int batch);
}
