package io.fednas.federated;

import io.fednas.data.Seeds;
import java.util.List;

/**
 * Which model each sampled client trains when several models (a search's live candidates) train in
 * the same round on disjoint client groups.
 */
public final class CandidateGroups {
  private CandidateGroups() {}

  /**
   * A seeded shuffle of the round's sample dealt round-robin to {@code models}: the groups differ in
   * size by at most one. Returns the model of {@code sampled[i]} at index i.
   */
  public static int[] ofSample(long seed, int round, int[] sampled, List<Integer> models) {
    int[] order = sampled.clone();
    Seeds.shuffle(order, Seeds.random(seed, Seeds.CANDIDATE_ASSIGNMENT, round));
    java.util.Map<Integer, Integer> modelOfClient = new java.util.HashMap<>();
    for (int i = 0; i < order.length; i++) {
      modelOfClient.put(order[i], models.get(i % models.size()));
    }
    int[] modelOf = new int[sampled.length];
    for (int i = 0; i < sampled.length; i++) {
      modelOf[i] = modelOfClient.get(sampled[i]);
    }
    return modelOf;
  }

  /**
   * A seeded shuffle of the whole population of {@code clients} dealt round-robin to {@code models}:
   * a client's group depends on its id and the round alone, never on who else was sampled. That is
   * what a private round needs: adding or removing one client changes one group's sum and nothing
   * else (docs/PRIVACY.md, parallel composition). Returns the model of {@code sampled[i]} at index i.
   */
  public static int[] ofPopulation(long seed, int round, int clients, int[] sampled, List<Integer> models) {
    int[] order = new int[clients];
    java.util.Arrays.setAll(order, i -> i);
    Seeds.shuffle(order, Seeds.random(seed, Seeds.CANDIDATE_ASSIGNMENT, round));
    int[] groupOf = new int[clients];
    for (int i = 0; i < clients; i++) {
      groupOf[order[i]] = i % models.size();
    }
    int[] modelOf = new int[sampled.length];
    for (int i = 0; i < sampled.length; i++) {
      modelOf[i] = models.get(groupOf[sampled[i]]);
    }
    return modelOf;
  }

  /** How many of the population's {@code clients} {@link #ofPopulation} deals to the model at {@code index} of {@code models}. */
  public static int populationShare(int clients, int models, int index) {
    return clients / models + (index < clients % models ? 1 : 0);
  }
}
