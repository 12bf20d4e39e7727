package io.fednas.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.config.ConfigLoader;
import io.fednas.config.DataConfig;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionerTest {
  /** 10 classes, 200 samples each, in label order. */
  private static final int[] LABELS = new int[2000];

  static {
    Arrays.setAll(LABELS, i -> i / 200);
  }

  private static int[][] split(Partitioner p, int clients, long seed) {
    return p.split(LABELS, 10, clients, Seeds.random(seed, Seeds.PARTITION));
  }

  private static void assertExactCover(int[][] parts) {
    int[] seen = new int[LABELS.length];
    for (int[] part : parts) {
      for (int i : part) {
        seen[i]++;
      }
    }
    for (int i = 0; i < seen.length; i++) {
      assertEquals(1, seen[i], "sample " + i);
    }
  }

  /** Mean over clients of the share of the client's samples in its most frequent class. */
  private static double dominance(int[][] parts) {
    double sum = 0;
    for (int[] part : parts) {
      int[] h = new int[10];
      for (int i : part) {
        h[LABELS[i]]++;
      }
      sum += (double) Arrays.stream(h).max().getAsInt() / part.length;
    }
    return sum / parts.length;
  }

  @Test
  void everyPartitionerCoversEachSampleOnceAndIsSeeded() {
    for (Partitioner p : List.of(new IidPartitioner(), new DirichletPartitioner(0.5, 5), new ShardPartitioner(2))) {
      int[][] a = split(p, 20, 7);
      assertEquals(20, a.length);
      assertExactCover(a);
      assertTrue(Arrays.deepEquals(a, split(p, 20, 7)), p + " not deterministic");
      assertTrue(!Arrays.deepEquals(a, split(p, 20, 8)), p + " ignores the seed");
    }
  }

  @Test
  void iidIsBalancedAndSkewGrowsAsAlphaShrinks() {
    int[][] iid = split(new IidPartitioner(), 20, 1);
    for (int[] part : iid) {
      assertEquals(100, part.length);
    }
    double iidDom = dominance(iid);
    double mild = dominance(split(new DirichletPartitioner(10, 5), 20, 1));
    double skewed = dominance(split(new DirichletPartitioner(0.1, 5), 20, 1));
    assertTrue(iidDom < 0.25, "iid " + iidDom);
    assertTrue(mild < skewed && skewed > 0.5, "alpha 10: " + mild + ", alpha 0.1: " + skewed);
    for (int[] part : split(new DirichletPartitioner(0.1, 5), 20, 1)) {
      assertTrue(part.length >= 5);
    }
  }

  @Test
  void shardsGiveEachClientAtMostTwoLabels() {
    for (int[] part : split(new ShardPartitioner(2), 20, 3)) {
      assertEquals(100, part.length);
      assertTrue(Arrays.stream(part).map(i -> LABELS[i]).distinct().count() <= 2);
    }
  }

  @Test
  void impossibleSplitsAreRejectedClearly() {
    DataFormatError e = assertThrows(DataFormatError.class, () -> split(new DirichletPartitioner(0.5, 500), 10, 1));
    assertTrue(e.getMessage().contains("data.minClientSamples"), e.getMessage());
    e = assertThrows(DataFormatError.class, () -> split(new ShardPartitioner(200), 20, 1));
    assertTrue(e.getMessage().contains("data.shardsPerClient"), e.getMessage());
  }

  @Test
  void clientPlanHoldsOutValidationFromEachClientsOwnData() {
    DataConfig cfg = ConfigLoader.load(null, List.of("data.partition=iid", "data.validationFraction=0.2")).data();
    ImageSet set = new ImageSet(1, 1, 1, 10, new byte[LABELS.length], LABELS);
    ClientPlan plan = ClientPlan.build(set, cfg, 10, 5);
    for (int c = 0; c < 10; c++) {
      assertEquals(40, plan.validation()[c].length);
      assertEquals(160, plan.train()[c].length);
      int[] both = new int[200];
      System.arraycopy(plan.train()[c], 0, both, 0, 160);
      System.arraycopy(plan.validation()[c], 0, both, 160, 40);
      assertEquals(200, Arrays.stream(both).distinct().count());
    }
    assertArrayEquals(plan.train()[3], ClientPlan.build(set, cfg, 10, 5).train()[3]);
  }
}
