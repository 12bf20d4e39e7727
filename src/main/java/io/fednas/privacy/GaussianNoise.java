package io.fednas.privacy;

import java.util.SplittableRandom;

/** The mechanism's noise: independent N(0, std^2) per coordinate, from a seed, so the same seed gives the same bits. */
public final class GaussianNoise {
  private GaussianNoise() {}

  public static void add(double[] x, double std, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = 0; i < x.length; i++) {
      x[i] += std * rng.nextGaussian();
    }
  }
}
