package io.fednas.federated;

import java.io.Serializable;

/** One client's own data, features already scaled and flat in NCHW order, as DL4J takes them. */
public record ClientShard(int client, int featureSize, float[] trainX, int[] trainY, float[] valX, int[] valY)
    implements Serializable {
  public int trainSize() {
    return trainY.length;
  }

  public int validationSize() {
    return valY.length;
  }
}
