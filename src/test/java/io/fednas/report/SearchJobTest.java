package io.fednas.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search on real MNIST and real local Spark: it stops at the budget, and bad input fails first. */
class SearchJobTest {
  @TempDir Path tmp;

  private static final List<String> SEARCH = List.of("data.maxTrainSamples=4000", "federated.clientsPerRound=6",
      "search.baseRounds=2", "search.longTermRounds=1", "search.budgetRatio=0.6", "search.initialReduction=0.2",
      "eval.validationClients=10");

  private static List<String> with(String... more) {
    List<String> out = new ArrayList<>(SEARCH);
    out.addAll(List.of(more));
    return out;
  }

  @Test
  void fednasAndTheBaselineBothStopAtTheBudgetAndFednasCostsTheClientsLess() throws Exception {
    JobRuns.Outcome fednas = JobRuns.run(tmp.resolve("fednas"), with("mode=fednas"));
    assertEquals(0, fednas.exitCode(), fednas.err());
    JobRuns.Outcome baseline = JobRuns.run(tmp.resolve("baseline"), with("mode=baseline", "search.shortTermRounds=2"));
    assertEquals(0, baseline.exitCode(), baseline.err());
    for (JobRuns.Outcome o : List.of(fednas, baseline)) {
      JsonNode s = o.summary();
      JsonNode search = s.get("search");
      double base = search.get("base_resource").asDouble();
      assertTrue(search.get("final_resource").asDouble() <= 0.6 * base, o.out());
      assertTrue(search.get("iterations").asInt() >= 1);
      // rounds counts every phase: 2 base + the short-term rounds + 1 long-term
      assertEquals(2 + search.get("short_term_rounds").asInt() + 1, s.get("rounds").asInt());
      // the trade-off curve shrinks at every iteration and the final model is the last point
      JsonNode curve = s.get("tradeoff_curve");
      for (int i = 1; i < curve.size(); i++) {
        assertTrue(curve.get(i).get("resource").asDouble() < curve.get(i - 1).get("resource").asDouble());
      }
      assertEquals(curve.get(curve.size() - 1).get("flops").asLong(), s.get("final_model").get("flops").asLong());
      assertTrue(Files.exists(o.dir().resolve("search.csv")));
      assertTrue(o.out().contains("iteration 1: chose layer"), o.out());
    }
    assertEquals("fednas", fednas.summary().get("mode").asText());
    assertEquals("baseline", baseline.summary().get("mode").asText());
    assertTrue(fednas.out().contains("dropped candidate"), fednas.out());
    assertFalse(baseline.out().contains("dropped candidate"), baseline.out());
    long fednasTrainings = fednas.summary().get("search").get("candidates_trained").asLong();
    assertTrue(fednasTrainings >= 2);
    long f = fednas.summary().get("client_cost").get("client_trainings").asLong();
    long b = baseline.summary().get("client_cost").get("client_trainings").asLong();
    assertTrue(f < b, "fednas " + f + " client-trainings, baseline " + b);
  }

  @Test
  void badSearchInputFailsBeforeAnyTraining() {
    String[][] cases = {
        {"search.budgetRatio=1.0", "already meets the budget"},
        {"search.minWidth=1000", "no candidate can reach the budget"},
        {"search.layers=[1]", "search.layers names layer 1, which is not a prunable layer"},
        {"search.device=toaster", "unknown device profile 'toaster'"},
        {"search.metric=energy", "one of flops, params, latency"},
    };
    for (String[] c : cases) {
      Path dir = tmp.resolve("bad");
      JobRuns.Outcome o = JobRuns.run(dir, with("mode=fednas", c[0]));
      assertEquals(2, o.exitCode(), c[0]);
      assertTrue(o.err().contains(c[1]), c[0] + ": " + o.err());
      assertFalse(Files.exists(dir), c[0] + " created a run directory");
    }
    JobRuns.Outcome o = JobRuns.run(tmp.resolve("bad"), with("mode=fednas", "search.device=toaster"));
    assertTrue(o.err().contains("phone-low"), "known profiles are listed: " + o.err());
  }
}
