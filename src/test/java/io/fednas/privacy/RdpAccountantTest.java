package io.fednas.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The accountant against what it must equal: the Gaussian mechanism's closed form, a numerical
 * integration of the sampled Gaussian's Rényi divergence, published values of Google's
 * dp_accounting, and composition.
 */
class RdpAccountantTest {
  @Test
  void withoutSamplingItIsTheGaussianMechanismsClosedForm() {
    for (int a : new int[] {2, 7, 64}) {
      assertEquals(a / (2 * 1.7 * 1.7), RdpAccountant.rdp(1.0, 1.7, a), 1e-12);
    }
    // sigma chosen for exactly (1, 1e-6)-DP over all real orders; integer orders give a bound a little above
    RdpAccountant g = new RdpAccountant();
    g.add(1.0, 4.530877117);
    double eps = g.spent(1e-6).epsilon();
    assertTrue(eps >= 1 - 1e-9 && eps < 1.02, "epsilon " + eps);
  }

  @Test
  void theSampledGaussianEqualsANumericalIntegrationOfItsRenyiDivergence() {
    double q = 0.1;
    double sigma = 1.0;
    for (int a : new int[] {2, 3, 8, 16}) {
      // A_a = E over N(0, sigma^2) of ((1 - q) + q exp((2x - 1) / (2 sigma^2)))^a, Simpson's rule
      double lo = -40;
      double h = 1e-3;
      int n = 80_000;
      double sum = 0;
      for (int i = 0; i <= n; i++) {
        double x = lo + i * h;
        double f = Math.exp(-x * x / (2 * sigma * sigma)) / Math.sqrt(2 * Math.PI * sigma * sigma)
            * Math.pow(1 - q + q * Math.exp((2 * x - 1) / (2 * sigma * sigma)), a);
        sum += f * (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2);
      }
      double integrated = Math.log(sum * h / 3) / (a - 1);
      assertEquals(integrated, RdpAccountant.rdp(q, sigma, a), 1e-9 * Math.max(1, integrated), "order " + a);
    }
  }

  @Test
  void itMatchesPublishedValuesAndComposesLinearly() {
    // dp_accounting's test: 50 releases with q = 0.01, sigma = 2.5, at orders 5, 50 and 100
    double[] expected = {2.18075656e-03, 2.38460375e-02, 1.67416308e02};
    int[] orders = {5, 50, 100};
    for (int i = 0; i < orders.length; i++) {
      double rdp = 50 * RdpAccountant.rdp(0.01, 2.5, orders[i]);
      assertEquals(expected[i], rdp, 1e-4 * expected[i], "order " + orders[i]);
    }
    RdpAccountant once = new RdpAccountant();
    once.add(0.01, 2.5, 50);
    RdpAccountant each = new RdpAccountant();
    for (int i = 0; i < 50; i++) {
      each.add(0.01, 2.5);
    }
    assertEquals(once.spent(1e-5).epsilon(), each.spent(1e-5).epsilon(), 1e-9);
  }

  @Test
  void moreReleasesOrLessNoiseSpendMoreAndNoSamplingSpendsNothing() {
    double previous = 0;
    for (long rounds : new long[] {1, 10, 100, 1000}) {
      RdpAccountant acc = new RdpAccountant();
      acc.add(0.1, 1.0, rounds);
      double eps = acc.spent(1e-5).epsilon();
      assertTrue(eps > previous, rounds + " rounds: " + eps);
      previous = eps;
    }
    RdpAccountant loud = new RdpAccountant();
    loud.add(0.1, 0.8, 100);
    RdpAccountant quiet = new RdpAccountant();
    quiet.add(0.1, 1.6, 100);
    assertTrue(loud.spent(1e-5).epsilon() > quiet.spent(1e-5).epsilon());
    RdpAccountant none = new RdpAccountant();
    none.add(0.0, 1.0, 1000);
    assertEquals(0.0, none.spent(1e-5).epsilon());
    assertThrows(IllegalArgumentException.class, () -> new RdpAccountant().add(1.5, 1.0));
    assertThrows(IllegalArgumentException.class, () -> new RdpAccountant().add(0.1, 0.0));
    assertThrows(IllegalArgumentException.class, () -> new RdpAccountant().spent(0));
  }
}
