package io.fednas.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ClientSamplerTest {
  @Test
  void sampleIsDistinctSortedSeededAndRoundDependent() {
    int[] a = ClientSampler.sample(9, 1, 10_000, 100);
    assertEquals(100, a.length);
    assertEquals(100, Arrays.stream(a).distinct().count());
    for (int i = 1; i < a.length; i++) {
      assertTrue(a[i - 1] < a[i]);
    }
    assertTrue(a[0] >= 0 && a[a.length - 1] < 10_000);
    assertArrayEquals(a, ClientSampler.sample(9, 1, 10_000, 100));
    assertFalse(Arrays.equals(a, ClientSampler.sample(9, 2, 10_000, 100)));
    assertArrayEquals(new int[] {0, 1, 2}, ClientSampler.sample(9, 1, 3, 3));
  }

  @Test
  void everyClientIsEquallyLikely() {
    int[] hits = new int[20];
    for (int round = 0; round < 4000; round++) {
      for (int c : ClientSampler.sample(3, round, 20, 5)) {
        hits[c]++;
      }
    }
    // expected 1000 each; 5 standard deviations is about 140
    for (int h : hits) {
      assertTrue(Math.abs(h - 1000) < 150, Arrays.toString(hits));
    }
  }

  @Test
  void poissonSamplingIncludesEachClientIndependentlyWithProbabilityQ() {
    int clients = 200;
    double q = 0.05;
    long total = 0;
    int empty = 0;
    int[] perClient = new int[clients];
    for (int round = 1; round <= 2000; round++) {
      int[] s = ClientSampler.poisson(42, round, clients, q);
      assertArrayEquals(s, ClientSampler.poisson(42, round, clients, q), "seeded");
      int[] sorted = s.clone();
      Arrays.sort(sorted);
      assertArrayEquals(sorted, s, "sorted");
      total += s.length;
      empty += s.length == 0 ? 1 : 0;
      for (int c : s) {
        perClient[c]++;
      }
    }
    // mean q x clients = 10 per round: over 2,000 rounds within 4 standard deviations
    double sd = Math.sqrt(2000 * clients * q * (1 - q));
    assertEquals(2000 * clients * q, total, 4 * sd, "clients per round");
    assertTrue(Arrays.stream(perClient).allMatch(n -> n > 50 && n < 150), "each client about 100 times");
    assertFalse(Arrays.equals(ClientSampler.poisson(42, 1, clients, q), ClientSampler.poisson(42, 2, clients, q)));
    assertEquals(0, ClientSampler.poisson(42, 1, clients, 0).length);
    assertTrue(empty == 0, "P(empty round) = 0.95^200: none in 2,000");
    assertTrue(java.util.stream.IntStream.rangeClosed(1, 200).anyMatch(r -> ClientSampler.poisson(7, r, 20, 0.05)
        .length == 0), "with q x N = 1, some rounds have no client");
  }
}
