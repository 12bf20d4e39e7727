package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fednas.privacy.PrivacyBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DP-FedAvg in real runs (20 clients, 5 a round on average: q = 0.25): epsilon per round from the
 * accountant, the same noisy model on any number of executors, the budget stop, and bad settings
 * refused before any training.
 */
class PrivacyTest {
  private static final List<String> PRIVATE = List.of("privacy.clipNorm=1", "privacy.noiseMultiplier=1.2");
  private static final PrivacyBudget BUDGET = new PrivacyBudget(0.25, 1.2, 1e-5, 0);

  @TempDir Path tmp;

  @Test
  void aPrivateRunReportsEpsilonEachRoundAddsSeededNoiseAndIsTheSameOnAnyNumberOfExecutors() throws Exception {
    JobRuns.Outcome one = JobRuns.run(tmp.resolve("one"), with(PRIVATE, "spark.master=local[1]"));
    assertEquals(0, one.exitCode(), one.err());
    JobRuns.Outcome two = JobRuns.run(tmp.resolve("two"), with(PRIVATE, "spark.master=local[2]"));
    assertEquals(0, two.exitCode(), two.err());
    assertArrayEquals(JobRuns.modelWeights(one.dir()), JobRuns.modelWeights(two.dir()), "the same noisy model");
    assertEquals(JobRuns.metricsWithoutTimes(one.dir()), JobRuns.metricsWithoutTimes(two.dir()));

    List<String> rounds = Files.readAllLines(one.dir().resolve("rounds.csv"));
    int eps = List.of(rounds.get(0).split(",")).indexOf("epsilon");
    assertTrue(eps >= 0, rounds.get(0));
    for (int r = 1; r < rounds.size(); r++) {
      double expected = BUDGET.after(r).epsilon(); // rounds.csv holds 6 significant digits
      assertEquals(expected, Double.parseDouble(rounds.get(r).split(",")[eps]), 1e-5 * expected, "round " + r);
    }
    JsonNode p = one.summary().path("privacy");
    assertEquals(BUDGET.after(3).epsilon(), p.path("epsilon").asDouble(), 1e-12);
    assertEquals(0.25, p.path("sampling_rate").asDouble());
    assertEquals(3, p.path("private_rounds").asInt());
    assertEquals("completed", one.summary().path("status").asText());
    assertTrue(Files.readString(one.dir().resolve("report.html")).contains("Privacy spent"));

    // the noise is there: clipping alone, with the same clients, gives another model
    JobRuns.Outcome clipped = JobRuns.run(tmp.resolve("clipped"), List.of("privacy.clipNorm=1"));
    assertEquals(0, clipped.exitCode(), clipped.err());
    assertFalse(java.util.Arrays.equals(JobRuns.modelWeights(one.dir()), JobRuns.modelWeights(clipped.dir())));
    assertTrue(clipped.summary().path("privacy").path("guarantee").asText().startsWith("none"));
  }

  @Test
  void theRunStopsBeforeARoundThatWouldPassItsTargetAndKeepsItsOutputs() throws Exception {
    double target = (BUDGET.after(2).epsilon() + BUDGET.after(3).epsilon()) / 2;
    JobRuns.Outcome o = JobRuns.run(tmp.resolve("budget"), with(PRIVATE, "privacy.targetEpsilon=" + target));
    assertEquals(0, o.exitCode(), o.err());
    JsonNode s = o.summary();
    assertEquals("budget_spent", s.path("status").asText());
    assertEquals(2, s.path("rounds").asInt());
    assertTrue(s.path("privacy").path("epsilon").asDouble() <= target);
    assertTrue(o.out().contains("privacy budget spent: round 3 would take epsilon to "), o.out());
    assertTrue(Files.exists(o.dir().resolve("model.zip")) && Files.exists(o.dir().resolve("models/registry.json")));
    JobRuns.Outcome again = JobRuns.run(o.dir(), with(PRIVATE, "privacy.targetEpsilon=" + target, "--resume",
        o.dir().toString()));
    assertEquals(0, again.exitCode(), again.err());
    assertTrue(again.out().contains("has already completed; nothing to resume"), again.out());
  }

  @Test
  void aPrivateSearchStopsInsideTheSearchBeforeARoundThatWouldPassItsTarget() throws Exception {
    PrivacyBudget budget = new PrivacyBudget(0.3, 1.2, 1e-5, 0); // 6 of 20 clients a round
    double target = (budget.after(3).epsilon() + budget.after(4).epsilon()) / 2;
    // without the tournament iteration 1 has two rounds (3 and 4) whatever the scores: the stop falls inside it
    JobRuns.Outcome o = JobRuns.run(tmp.resolve("search"), with(PRIVATE_SEARCH, "privacy.targetEpsilon=" + target,
        "search.tournament=false"));
    assertEquals(0, o.exitCode(), o.out() + o.err());
    JsonNode s = o.summary();
    assertEquals("budget_spent", s.path("status").asText());
    assertEquals(3, s.path("rounds").asInt(), "2 base rounds and one of the search's");
    assertEquals(budget.after(3).epsilon(), s.path("privacy").path("epsilon").asDouble(), 1e-12);
    assertTrue(s.path("privacy").path("search_choices").asText().startsWith("outside the guarantee"));
    assertTrue(o.out().contains("privacy: privacy.targetEpsilon " + target + " stops this run after round 3 of the "
        + "about "), o.out());
    String epsilon = String.format(java.util.Locale.ROOT, ", epsilon %.3g ", budget.after(3).epsilon());
    assertTrue(o.out().lines().anyMatch(l -> l.startsWith("round   3  iteration 1:") && l.contains(epsilon)), o.out());
    assertTrue(o.out().contains("privacy budget spent: round 4 would take epsilon to "), o.out());
    assertTrue(o.out().contains("the search ends with the base model (iteration 1 is abandoned)"), o.out());
    assertFalse(o.out().contains("long-term fine-tune: "), "no long-term round after the budget is spent");
    // the base model is the run's: the architecture the search started from, no iteration chosen
    assertEquals(0, s.path("search").path("iterations").asInt());
    assertEquals(s.path("tradeoff_curve").get(0).path("architecture").asText(),
        s.path("search").path("final_architecture").asText());
    assertTrue(Files.exists(o.dir().resolve("search.csv")) && Files.exists(o.dir().resolve("model.zip")));
    // measured on the model the run ends with (the registry's evaluation): the base's test accuracy after round 2
    List<String> rounds = Files.readAllLines(o.dir().resolve("rounds.csv"));
    int test = List.of(rounds.get(0).split(",")).indexOf("test_accuracy");
    assertEquals(Double.parseDouble(rounds.get(2).split(",")[test]), s.path("test_accuracy").asDouble(), 1e-6);
  }

  /** The resume test's small search (2 base rounds, 20 clients, 6 a round), private. */
  static final List<String> PRIVATE_SEARCH = List.of("mode=fednas", "data.maxTrainSamples=4000",
      "federated.clientsPerRound=6", "search.baseRounds=2", "search.longTermRounds=2", "search.budgetRatio=0.6",
      "search.initialReduction=0.2", "eval.validationClients=10", "privacy.clipNorm=1", "privacy.noiseMultiplier=1.2");

  @Test
  void badPrivacySettingsAreRefusedBeforeAnyTraining() {
    refused(List.of("privacy.noiseMultiplier=1"), "privacy.noiseMultiplier = 1.0 needs privacy.clipNorm > 0");
    refused(with(PRIVATE, "privacy.delta=0"), "privacy.delta");
    refused(with(PRIVATE, "privacy.delta=1"), "config key privacy.delta = 1.0 is invalid: allowed is a number in (0, 1)");
    refused(List.of("privacy.targetEpsilon=3"), "privacy.targetEpsilon = 3.0 needs privacy.noiseMultiplier > 0");
    refused(with(PRIVATE, "mode=centralized"), "there is no client-level guarantee to give");
    refused(with(PRIVATE, "mode=fednas", "search.baseModel=/somewhere"), "the loaded base model's rounds are outside "
        + "this run's accountant");
    refused(with(PRIVATE, "mode=fednas", "search.fineTuneEach=2"), "outside its accountant and target");
    refused(with(PRIVATE, "simulation.enabled=true"), "turn the simulation off for a private run");
    refused(with(PRIVATE, "privacy.targetEpsilon=0.01"), "privacy.targetEpsilon = 0.01: the first round alone spends "
        + "epsilon ");
  }

  private void refused(List<String> overrides, String expected) {
    Path dir = tmp.resolve("refused-" + Math.abs(overrides.hashCode()));
    JobRuns.Outcome o = JobRuns.run(dir, overrides);
    assertEquals(2, o.exitCode(), o.out() + o.err());
    assertTrue(o.err().contains(expected), "expected '" + expected + "' in " + o.err());
    assertFalse(Files.exists(dir.resolve("rounds.csv")), "no round ran");
  }

  private static List<String> with(List<String> base, String... more) {
    List<String> out = new ArrayList<>(base);
    out.addAll(List.of(more));
    return out;
  }
}
