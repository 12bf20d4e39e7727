package io.fednas.federated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.FedNasException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FixedPointSumTest {
  private static float[] randomWeights(Random r, int n) {
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 4));
    }
    return w;
  }

  @Test
  void sumIsBitIdenticalInAnyMergeOrder() {
    Random r = new Random(1);
    List<float[]> clients = new ArrayList<>();
    for (int c = 0; c < 12; c++) {
      clients.add(randomWeights(r, 1000));
    }
    float[] reference = null;
    for (int trial = 0; trial < 5; trial++) {
      List<Integer> order = new ArrayList<>();
      for (int c = 0; c < clients.size(); c++) {
        order.add(c);
      }
      Collections.shuffle(order, new Random(trial));
      // a random tree of merges, like Spark's
      List<FixedPointSum> parts = new ArrayList<>();
      for (int c : order) {
        parts.add(FixedPointSum.of(clients.get(c), 1.0 / clients.size()));
      }
      while (parts.size() > 1) {
        int i = new Random(trial * 31L + parts.size()).nextInt(parts.size() - 1);
        parts.set(i, parts.get(i).add(parts.remove(i + 1)));
      }
      float[] avg = parts.get(0).toFloats();
      if (reference == null) {
        reference = avg;
      }
      assertArrayEquals(reference, avg);
    }
    // and it is the mean, to well below float precision of the weights
    for (int i = 0; i < 1000; i++) {
      double mean = 0;
      for (float[] w : clients) {
        mean += w[i] / 12.0;
      }
      assertEquals(mean, reference[i], Math.abs(mean) * 1e-6 + 1e-11);
    }
  }

  @Test
  void nonFiniteUpdatesAreRejected() {
    FedNasException e = assertThrows(FedNasException.class, () -> FixedPointSum.of(new float[] {1f, Float.NaN}, 0.5));
    assertTrue(e.getMessage().contains("parameter 1"), e.getMessage());
    assertThrows(FedNasException.class, () -> FixedPointSum.of(new float[] {Float.POSITIVE_INFINITY}, 0.5));
  }
}
