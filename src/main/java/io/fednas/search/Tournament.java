package io.fednas.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Early dropping of inferior candidates. Every rung the live candidates' validation scores are
 * compared and some are dropped; their clients go to the survivors.
 */
public sealed interface Tournament {
  /** The candidates to drop now, given the live ones' scores (higher is better). */
  List<Integer> drop(Map<Integer, Double> scores);

  /** Keeps every candidate to the end: the baseline. */
  record KeepAll() implements Tournament {
    @Override
    public List<Integer> drop(Map<Integer, Double> scores) {
      return List.of();
    }
  }

  /**
   * Successive halving with a noise guard: drop the worst {@code dropFraction} of the live
   * candidates (at least one while more than one is live), but never one whose score is within
   * {@code protectMargin} of the leader's.
   */
  record SuccessiveHalving(double dropFraction, double protectMargin) implements Tournament {
    @Override
    public List<Integer> drop(Map<Integer, Double> scores) {
      if (scores.size() <= 1) {
        return List.of();
      }
      List<Integer> ranked = new ArrayList<>(scores.keySet());
      // best first; equal scores: the lower id ranks first, so ties resolve the same way every run
      ranked.sort(Comparator.comparingDouble((Integer id) -> -scores.get(id)).thenComparingInt(id -> id));
      double leader = scores.get(ranked.get(0));
      int toDrop = Math.min(dropCount(ranked.size()), ranked.size() - 1);
      List<Integer> dropped = new ArrayList<>();
      for (int i = ranked.size() - 1; i >= 1 && dropped.size() < toDrop; i--) {
        int id = ranked.get(i);
        if (leader - scores.get(id) > protectMargin) {
          dropped.add(id);
        }
      }
      dropped.sort(null);
      return dropped;
    }

    /** How many of {@code live} candidates a decision drops when none is protected. */
    int dropCount(int live) {
      return Math.max(1, (int) Math.floor(live * dropFraction));
    }

    /** Decisions until one of {@code k} candidates is left, counting the last scoring: a plan, before any score. */
    int rungsToOne(int k) {
      int rungs = 1;
      for (int live = k; live > 1; live -= dropCount(live)) {
        rungs++;
      }
      return rungs;
    }
  }
}
