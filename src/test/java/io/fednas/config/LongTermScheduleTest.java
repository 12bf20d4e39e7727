package io.fednas.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LongTermScheduleTest {

  @Test
  void constantKeepsTheRate() {
    for (int k = 1; k <= 20; k++) {
      assertEquals(0.05, LongTermSchedule.CONSTANT.learningRate(0.05, k, 20));
    }
  }

  @Test
  void cosineStartsAtTheRateAndFallsToASmallPositiveOne() {
    // 4 rounds: 0.5 (1 + cos(pi k / 4)) for k = 0..3, by hand: 1, 0.853553, 0.5, 0.146447
    double[] expected = {0.1, 0.0853553, 0.05, 0.0146447};
    for (int k = 1; k <= 4; k++) {
      assertEquals(expected[k - 1], LongTermSchedule.COSINE.learningRate(0.1, k, 4), 1e-7, "round " + k);
    }
    double previous = Double.MAX_VALUE;
    for (int k = 1; k <= 30; k++) {
      double lr = LongTermSchedule.COSINE.learningRate(0.05, k, 30);
      assertTrue(lr < previous && lr > 0, "round " + k + ": " + lr);
      previous = lr;
    }
    assertEquals(0.05, LongTermSchedule.COSINE.learningRate(0.05, 1, 1), "one round: the full rate");
  }

  @Test
  void roundsOutsideThePhaseAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> LongTermSchedule.COSINE.learningRate(0.05, 0, 20));
    assertThrows(IllegalArgumentException.class, () -> LongTermSchedule.COSINE.learningRate(0.05, 21, 20));
  }
}
