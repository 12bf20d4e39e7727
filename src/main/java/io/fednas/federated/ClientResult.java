package io.fednas.federated;

import java.io.Serializable;

/** What a client reports besides its weights: which model it trained, and metrics; never samples. */
public record ClientResult(int client, int model, int samples, double trainLossSum, long batches, double trainSeconds)
    implements Serializable {
  public double meanTrainLoss() {
    return samples == 0 ? Double.NaN : trainLossSum / samples;
  }
}
