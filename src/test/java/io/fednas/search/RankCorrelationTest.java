package io.fednas.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RankCorrelationTest {
  @Test
  void spearmanOfKnownOrders() {
    assertEquals(1.0, RankCorrelation.spearman(new double[] {1, 2, 3, 4}, new double[] {10, 20, 30, 40}), 1e-12);
    assertEquals(-1.0, RankCorrelation.spearman(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}), 1e-12);
    // by hand: ranks (1 2 3 4 5) and (2 1 4 3 5), sum of squared differences 4: rho = 1 - 6 x 4 / (5 x 24) = 0.8
    assertEquals(0.8, RankCorrelation.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {0.2, 0.1, 0.4, 0.3, 0.5}),
        1e-12);
    assertTrue(Double.isNaN(RankCorrelation.spearman(new double[] {1}, new double[] {2})));
    assertTrue(Double.isNaN(RankCorrelation.spearman(new double[] {1, 1, 1}, new double[] {1, 2, 3})));
  }

  @Test
  void tiesShareTheirAverageRank() {
    assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, RankCorrelation.ranks(new double[] {0.1, 0.5, 0.5, 0.9}));
  }
}
