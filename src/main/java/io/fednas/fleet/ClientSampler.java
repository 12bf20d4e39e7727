package io.fednas.fleet;

import io.fednas.data.Seeds;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Chooses the clients of a round: m distinct of N, uniformly, from the round's own seed. */
public final class ClientSampler {
  private ClientSampler() {}

  /**
   * Poisson sampling, as the privacy accountant assumes: each client in the round independently
   * with probability {@code q} (so a round may have none), from its own seed. Sorted ids.
   */
  public static int[] poisson(long seed, int round, int clients, double q) {
    SplittableRandom rng = Seeds.random(seed, Seeds.PRIVATE_SAMPLING, round);
    return java.util.stream.IntStream.range(0, clients).filter(c -> rng.nextDouble() < q).toArray();
  }

  /** Sorted client ids. */
  public static int[] sample(long seed, int round, int clients, int perRound) {
    return choose(Seeds.random(seed, Seeds.SAMPLING, round), clients, perRound);
  }

  /**
   * The clients whose hold-outs score models: {@code wanted} of them (0: every client), drawn from
   * their own seed. The search passes round 0 for every score, so all its candidates are compared
   * on the same clients; FedAvg passes the round.
   */
  public static int[] validators(long seed, int round, int clients, int wanted) {
    int n = wanted == 0 ? clients : Math.min(wanted, clients);
    return sample(Seeds.derive(seed, Seeds.VALIDATION_CLIENTS), round, clients, n);
  }

  static int[] choose(SplittableRandom rng, int n, int m) {
    if (m >= n) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    // Floyd's algorithm: m draws, no O(n) array, so 10,000 clients cost nothing
    java.util.TreeSet<Integer> chosen = new java.util.TreeSet<>();
    for (int j = n - m; j < n; j++) {
      int t = rng.nextInt(j + 1);
      if (!chosen.add(t)) {
        chosen.add(j);
      }
    }
    return chosen.stream().mapToInt(Integer::intValue).toArray();
  }
}
