package io.fednas.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * McMahan et al.'s pathological non-IID split: sort by label, cut into clients x shardsPerClient
 * equal shards, give each client shardsPerClient shards at random.
 */
public record ShardPartitioner(int shardsPerClient) implements Partitioner {
  @Override
  public int[][] split(int[] labels, int numClasses, int clients, SplittableRandom rng) {
    int shards = clients * shardsPerClient;
    if (shards > labels.length) {
      throw new DataFormatError("cannot cut " + labels.length + " samples into " + shards
          + " shards (" + clients + " clients x data.shardsPerClient " + shardsPerClient + ")");
    }
    Integer[] bySorted = new Integer[labels.length];
    Arrays.setAll(bySorted, i -> i);
    // stable: ties keep index order, so the result depends on the seed alone
    Arrays.sort(bySorted, Comparator.comparingInt(i -> labels[i]));
    int[] shardOrder = new int[shards];
    Arrays.setAll(shardOrder, i -> i);
    Seeds.shuffle(shardOrder, rng);
    List<List<Integer>> perClient = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      List<Integer> mine = new ArrayList<>();
      for (int s = 0; s < shardsPerClient; s++) {
        int shard = shardOrder[c * shardsPerClient + s];
        int from = (int) ((long) shard * labels.length / shards);
        int to = (int) ((long) (shard + 1) * labels.length / shards);
        for (int i = from; i < to; i++) {
          mine.add(bySorted[i]);
        }
      }
      perClient.add(mine);
    }
    return Partitioner.sorted(perClient);
  }
}
