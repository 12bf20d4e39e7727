package io.fednas.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Shuffles the samples and deals them out in equal parts (sizes differ by at most one). */
public record IidPartitioner() implements Partitioner {
  @Override
  public int[][] split(int[] labels, int numClasses, int clients, SplittableRandom rng) {
    if (labels.length < clients) {
      throw new DataFormatError("cannot give " + clients + " clients a sample each from " + labels.length + " samples");
    }
    int[] order = new int[labels.length];
    Arrays.setAll(order, i -> i);
    Seeds.shuffle(order, rng);
    int[][] out = new int[clients][];
    for (int c = 0; c < clients; c++) {
      int from = (int) ((long) c * labels.length / clients);
      int to = (int) ((long) (c + 1) * labels.length / clients);
      out[c] = Arrays.copyOfRange(order, from, to);
      Arrays.sort(out[c]);
    }
    return out;
  }
}
