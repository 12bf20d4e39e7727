package io.fednas.federated;

import java.io.Serializable;

/**
 * What a client reports besides its weights: which model it trained, its share of that model's
 * round (n_k / n), metrics, the Spark task (partition of the stage) it trained in, and why the
 * server rejected its update ({@code rejected}, null when accepted); never samples.
 */
public record ClientResult(int client, int model, int samples, double share, double trainLossSum, long batches,
    double trainSeconds, int task, String rejected) implements Serializable {
  public double meanTrainLoss() {
    return samples == 0 ? Double.NaN : trainLossSum / samples;
  }

  public boolean accepted() {
    return rejected == null;
  }

  ClientResult rejectedFor(String reason) {
    return new ClientResult(client, model, samples, share, trainLossSum, batches, trainSeconds, task, reason);
  }
}
