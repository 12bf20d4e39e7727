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
}
