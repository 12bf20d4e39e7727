package io.fednas.federated;

import java.io.Serializable;

/** What a client reports besides its weights: metrics only, never samples. */
public record ClientResult(int client, int samples, double trainLossSum, long batches, double trainSeconds)
    implements Serializable {
  public double meanTrainLoss() {
    return samples == 0 ? Double.NaN : trainLossSum / samples;
  }
}
