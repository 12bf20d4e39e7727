package io.fednas.privacy;

import java.util.Arrays;

/**
 * Rényi differential privacy of the sampled Gaussian mechanism (Mironov, Talwar and Zhang, 2019):
 * each release samples every client with probability {@code q}, sums their updates clipped to L2
 * norm C, and adds Gaussian noise of standard deviation {@code sigma x C}. Its RDP at integer order
 * a is log(A_a) / (a - 1) with
 *
 * <pre>A_a = sum_{k=0..a} binom(a, k) (1-q)^(a-k) q^k exp((k^2 - k) / (2 sigma^2)),</pre>
 *
 * computed in log space. Releases compose by adding RDP order by order; (epsilon, delta) is the
 * best over the orders of the conversion of Balle et al. (2020):
 * {@code eps = rdp + log((a-1)/a) - (log(delta) + log(a)) / (a-1)}. Integer orders only: more
 * orders could only lower the bound, so leaving the fractional ones out keeps it valid.
 */
public final class RdpAccountant {
  /** The orders tracked: every integer to 64, then coarser (large orders matter for small epsilon). */
  static final int[] ORDERS = orders();

  private final double[] rdp = new double[ORDERS.length];

  /** One release of the sampled Gaussian mechanism with sampling rate {@code q} and noise multiplier {@code sigma}. */
  public void add(double q, double sigma) {
    add(q, sigma, 1);
  }

  /** {@code count} releases with the same parameters. */
  public void add(double q, double sigma, long count) {
    if (!(q >= 0 && q <= 1) || !(sigma > 0) || count < 0) {
      throw new IllegalArgumentException("sampling rate in [0, 1], noise multiplier > 0, count >= 0: got q = " + q
          + ", sigma = " + sigma + ", count = " + count);
    }
    for (int i = 0; i < ORDERS.length; i++) {
      rdp[i] += count * rdp(q, sigma, ORDERS[i]);
    }
  }

  /** The epsilon of all releases so far at {@code delta}, with the order that gives it. */
  public Spent spent(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1): " + delta);
    }
    if (Arrays.stream(rdp).allMatch(r -> r == 0)) {
      return new Spent(0, delta, 0); // nothing released (or every release sampled no one)
    }
    double best = Double.POSITIVE_INFINITY;
    int order = ORDERS[0];
    for (int i = 0; i < ORDERS.length; i++) {
      double a = ORDERS[i];
      double eps = rdp[i] + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
      if (eps < best) {
        best = eps;
        order = ORDERS[i];
      }
    }
    return new Spent(Math.max(0, best), delta, order);
  }

  /** Epsilon at delta, and the Rényi order that gave the bound (0 when nothing was spent). */
  public record Spent(double epsilon, double delta, int order) {}

  /** RDP at integer order {@code a} >= 2 of one release. */
  static double rdp(double q, double sigma, int a) {
    if (q == 0) {
      return 0;
    }
    if (q == 1) {
      return a / (2 * sigma * sigma);
    }
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double[] terms = new double[a + 1];
    double logBinom = 0; // log binom(a, k), updated term by term
    for (int k = 0; k <= a; k++) {
      if (k > 0) {
        logBinom += Math.log(a - k + 1) - Math.log(k);
      }
      terms[k] = logBinom + (a - k) * log1mQ + k * logQ + (k * (double) k - k) / (2 * sigma * sigma);
    }
    return logSumExp(terms) / (a - 1);
  }

  private static double logSumExp(double[] x) {
    double max = Arrays.stream(x).max().orElseThrow();
    double sum = 0;
    for (double v : x) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum);
  }

  private static int[] orders() {
    int[] coarse = {80, 96, 128, 160, 192, 256, 384, 512, 1024};
    int[] out = new int[63 + coarse.length];
    for (int a = 2; a <= 64; a++) {
      out[a - 2] = a;
    }
    System.arraycopy(coarse, 0, out, 63, coarse.length);
    return out;
  }
}
