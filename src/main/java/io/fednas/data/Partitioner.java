package io.fednas.data;

import io.fednas.config.DataConfig;
import java.util.SplittableRandom;

/** Splits training-sample indices among clients. Every sample goes to exactly one client. */
public sealed interface Partitioner permits IidPartitioner, DirichletPartitioner, ShardPartitioner {

  /** Returns, per client, the indices of its samples (sorted ascending). */
  int[][] split(int[] labels, int numClasses, int clients, SplittableRandom rng);

  static Partitioner of(DataConfig cfg) {
    return switch (cfg.partition()) {
      case "iid" -> new IidPartitioner();
      case "dirichlet" -> new DirichletPartitioner(cfg.dirichletAlpha(), cfg.minClientSamples());
      case "shards" -> new ShardPartitioner(cfg.shardsPerClient());
      default -> throw new IllegalArgumentException("unknown partition " + cfg.partition());
    };
  }

  static int[][] sorted(java.util.List<? extends java.util.Collection<Integer>> perClient) {
    int[][] out = new int[perClient.size()][];
    for (int c = 0; c < out.length; c++) {
      out[c] = perClient.get(c).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
    return out;
  }
}
