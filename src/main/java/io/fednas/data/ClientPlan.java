package io.fednas.data;

import io.fednas.config.DataConfig;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Which training samples each client holds, split into the client's own training part and its
 * validation hold-out. Indices only: the driver ships this plan, never the samples.
 */
public record ClientPlan(int[][] train, int[][] validation) implements Serializable {

  public int clients() {
    return train.length;
  }

  public static ClientPlan build(ImageSet trainSet, DataConfig cfg, int clients, long seed) {
    int[][] parts = Partitioner.of(cfg).split(trainSet.labels(), trainSet.numClasses(), clients,
        Seeds.random(seed, Seeds.PARTITION));
    int[][] train = new int[clients][];
    int[][] val = new int[clients][];
    for (int c = 0; c < clients; c++) {
      int[] idx = parts[c].clone();
      Seeds.shuffle(idx, Seeds.random(seed, Seeds.VALIDATION_SPLIT, c));
      // at least one training sample stays with the client
      int nVal = Math.min(idx.length - 1, (int) Math.round(cfg.validationFraction() * idx.length));
      val[c] = Arrays.copyOfRange(idx, 0, Math.max(0, nVal));
      train[c] = Arrays.copyOfRange(idx, Math.max(0, nVal), idx.length);
      Arrays.sort(val[c]);
      Arrays.sort(train[c]);
    }
    return new ClientPlan(train, val);
  }

  /** Label histogram of a client's training and validation samples together. */
  public int[] labelHistogram(int client, int[] labels, int numClasses) {
    int[] h = new int[numClasses];
    for (int i : train[client]) {
      h[labels[i]]++;
    }
    for (int i : validation[client]) {
      h[labels[i]]++;
    }
    return h;
  }

}
