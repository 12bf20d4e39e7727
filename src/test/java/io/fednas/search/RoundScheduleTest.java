package io.fednas.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.search.RoundSchedule.Decision;
import io.fednas.search.RoundSchedule.Observation;
import org.junit.jupiter.api.Test;

class RoundScheduleTest {
  private final RoundSchedule.Dynamic rule = new RoundSchedule.Dynamic(2, 8, 0.01, 0.02);

  @Test
  void followsTheRuleOnAScriptedHistory() {
    Decision d = rule.first();
    assertEquals(2, d.rounds());
    d = rule.next(d, new Observation(0.950, 0.945, 0.0)); // close: grow by half
    assertEquals(3, d.rounds());
    assertTrue(d.reason().contains("grow"), d.reason());
    d = rule.next(d, new Observation(0.950, 0.948, 0.0)); // close again
    assertEquals(5, d.rounds());
    d = rule.next(d, new Observation(0.950, 0.900, 0.0)); // clear winner: shrink
    assertEquals(3, d.rounds());
    assertTrue(d.reason().contains("shrink"), d.reason());
    d = rule.next(d, new Observation(0.950, 0.935, 0.05)); // in between, but a costly cut
    assertEquals(4, d.rounds());
    assertTrue(d.reason().contains("costlyDrop"), d.reason());
  }

  @Test
  void staysWithinItsBounds() {
    Decision d = new Decision(8, "x");
    d = rule.next(d, new Observation(0.9, 0.9, 0.5));
    assertEquals(8, d.rounds());
    assertTrue(d.reason().contains("clamped"), d.reason());
    d = rule.next(new Decision(2, "x"), new Observation(0.9, 0.1, 0));
    assertEquals(2, d.rounds());
  }

  @Test
  void fixedNeverChanges() {
    RoundSchedule f = new RoundSchedule.Fixed(4);
    assertEquals(4, f.next(f.first(), new Observation(0.9, 0.9, 0.3)).rounds());
  }
}
