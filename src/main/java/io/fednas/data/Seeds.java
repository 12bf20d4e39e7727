package io.fednas.data;

import java.util.SplittableRandom;

/**
 * Derives independent seeds from (run seed, round, client, purpose). Every random choice in a run
 * draws from its own derived stream, so a retried task or a different executor count changes
 * nothing.
 */
public final class Seeds {
  public static final long PARTITION = 1;
  public static final long VALIDATION_SPLIT = 2;
  public static final long SAMPLING = 3;
  public static final long INIT = 4;
  public static final long LOCAL_SHUFFLE = 5;
  public static final long VALIDATION_CLIENTS = 6;
  public static final long CANDIDATE_ASSIGNMENT = 7;
  public static final long DEVICE = 8;
  public static final long CLIENT_SPEED = 9;
  public static final long AVAILABILITY = 10;
  public static final long DROPOUT = 11;
  public static final long PRIVATE_SAMPLING = 12;
  public static final long PRIVACY_NOISE = 13;

  private Seeds() {}

  /** A seed for the given parts; different parts give statistically independent seeds. */
  public static long derive(long seed, long... parts) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    for (long p : parts) {
      h = mix(h + 0x9E3779B97F4A7C15L * (p + 1));
    }
    return h;
  }

  public static SplittableRandom random(long seed, long... parts) {
    return new SplittableRandom(derive(seed, parts));
  }

  /** SplitMix64's finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Fisher-Yates shuffle in place. */
  public static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
