package io.fednas.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TournamentTest {
  private static Map<Integer, Double> scores(double... s) {
    Map<Integer, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < s.length; i++) {
      m.put(i, s[i]);
    }
    return m;
  }

  @Test
  void successiveHalvingDropsTheWorstHalf() {
    Tournament t = new Tournament.SuccessiveHalving(0.5, 0.0);
    assertEquals(List.of(1, 3), t.drop(scores(0.90, 0.80, 0.95, 0.70)));
    assertEquals(List.of(2), t.drop(scores(0.90, 0.91, 0.50)));
    assertEquals(List.of(0), t.drop(scores(0.5, 0.6)));
    assertEquals(List.of(), t.drop(scores(0.5)));
  }

  @Test
  void aCandidateWithinTheMarginOfTheLeaderIsNeverDropped() {
    Tournament t = new Tournament.SuccessiveHalving(0.5, 0.02);
    // 0.89 is within 0.02 of 0.90: only the clearly worse one goes, though half would be two
    assertEquals(List.of(3), t.drop(scores(0.90, 0.89, 0.895, 0.70)));
    assertEquals(List.of(), t.drop(scores(0.90, 0.885)));
  }

  @Test
  void aScriptedTournamentEndsWithOneSurvivor() {
    Tournament t = new Tournament.SuccessiveHalving(0.5, 0.0);
    Map<Integer, Double> live = scores(0.60, 0.72, 0.65, 0.70, 0.55, 0.71, 0.58, 0.69);
    int rungs = 0;
    while (live.size() > 1) {
      for (int id : t.drop(live)) {
        live.remove(id);
      }
      rungs++;
    }
    assertEquals(3, rungs);
    assertEquals(Map.of(1, 0.72), live);
  }

  @Test
  void keepAllNeverDrops() {
    assertEquals(List.of(), new Tournament.KeepAll().drop(scores(0.1, 0.9)));
  }
}
