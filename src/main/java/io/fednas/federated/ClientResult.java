package io.fednas.federated;

import java.io.Serializable;

/**
 * What a client reports besides its weights: which model it trained, its share of that model's
 * round (n_k / n), metrics, the Spark task (partition of the stage) it trained in, and why the
 * server rejected its update ({@code rejected}, null when accepted), and its score of the model it
 * downloaded on its own validation hold-out ({@code score}, null when the round does not score);
 * never samples.
 */
public record ClientResult(int client, int model, int samples, double share, double trainLossSum, long batches,
    double trainSeconds, int task, String rejected, EvalCounts score) implements Serializable {
  public double meanTrainLoss() {
    return samples == 0 ? Double.NaN : trainLossSum / samples;
  }

  public boolean accepted() {
    return rejected == null;
  }

  ClientResult rejectedFor(String reason) {
    return new ClientResult(client, model, samples, share, trainLossSum, batches, trainSeconds, task, reason, score);
  }

  /** The same report with the client's score of the model it downloaded (before training on it). */
  ClientResult scored(EvalCounts s) {
    return new ClientResult(client, model, samples, share, trainLossSum, batches, trainSeconds, task, rejected, s);
  }
}
