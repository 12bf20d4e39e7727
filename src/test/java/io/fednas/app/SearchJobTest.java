package io.fednas.app;

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
      assertEquals(0.6 * base, search.get("budget").asDouble(), 1e-6 * base);
      assertTrue(search.get("budget_met").asBoolean());
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
  void aSearchStartsFromAPreviousRunsModelAndTheCentralizedReferenceSearchesOnPooledData() throws Exception {
    JobRuns.Outcome trained = JobRuns.run(tmp.resolve("trained"), List.of());
    assertEquals(0, trained.exitCode(), trained.err());

    JobRuns.Outcome fromBase = JobRuns.run(tmp.resolve("from-base"),
        with("mode=fednas", "search.baseModel=" + trained.dir()));
    assertEquals(0, fromBase.exitCode(), fromBase.err());
    JsonNode s = fromBase.summary();
    // no base rounds: only the short-term and long-term rounds ran
    assertEquals(s.get("search").get("short_term_rounds").asInt() + 1, s.get("rounds").asInt(), fromBase.out());
    assertTrue(fromBase.out().contains("base model: c20-p-c50-p-d500 from " + trained.dir()), fromBase.out());
    assertEquals(trained.summary().get("final_model").get("flops").asDouble(),
        s.get("search").get("base_resource").asDouble());

    JobRuns.Outcome central = JobRuns.run(tmp.resolve("centralized"),
        with("mode=centralized", "search.baseModel=" + trained.dir(), "centralized.shards=4", "centralized.workers=2",
            "centralized.longTermRounds=1"));
    assertEquals(0, central.exitCode(), central.err());
    assertEquals("centralized", central.summary().get("mode").asText());
    String resolved = Files.readString(central.dir().resolve("config.conf"));
    for (String line : List.of("partition=iid", "clients=4", "clientsPerRound=2", "validationClients=0")) {
      assertTrue(resolved.lines().anyMatch(l -> l.strip().equals(line)), line + " not in\n" + resolved);
    }
    JsonNode cs = central.summary().get("search");
    assertTrue(cs.get("final_resource").asDouble() <= 0.6 * cs.get("base_resource").asDouble());
    assertEquals(0, cs.get("candidates_dropped").asInt(), "the reference runs the baseline's loop");
    // every round trains the 2 workers' shards
    List<String> rounds = Files.readAllLines(central.dir().resolve("rounds.csv"));
    assertTrue(rounds.stream().skip(1).allMatch(r -> r.split(",")[1].equals("2")), rounds.toString());

    JobRuns.Outcome missing = JobRuns.run(tmp.resolve("missing"),
        with("mode=fednas", "search.baseModel=" + tmp.resolve("nowhere")));
    assertEquals(2, missing.exitCode());
    assertTrue(missing.err().contains("not a completed run directory"), missing.err());

    // a model.zip damaged after it was written (one byte in its middle) is refused before any training
    Path damaged = Files.createDirectories(tmp.resolve("damaged-base"));
    for (String f : List.of("model.zip", "model_architecture.json", "SHA256SUMS")) {
      Files.copy(trained.dir().resolve(f), damaged.resolve(f));
    }
    byte[] zip = Files.readAllBytes(damaged.resolve("model.zip"));
    zip[zip.length / 2] ^= 0x10;
    Files.write(damaged.resolve("model.zip"), zip);
    JobRuns.Outcome corrupt = JobRuns.run(tmp.resolve("from-damaged"),
        with("mode=fednas", "search.baseModel=" + damaged));
    assertEquals(2, corrupt.exitCode());
    assertTrue(corrupt.err().contains("search.baseModel = " + damaged + ": " + damaged.resolve("model.zip")
        + " is damaged or was changed: its SHA-256 is "), corrupt.err());
    assertFalse(Files.exists(tmp.resolve("from-damaged/rounds.csv")), "refused before any round");
    Files.delete(damaged.resolve("SHA256SUMS"));
    JobRuns.Outcome unchecked = JobRuns.run(tmp.resolve("from-unchecked"),
        with("mode=fednas", "search.baseModel=" + damaged));
    assertEquals(2, unchecked.exitCode());
    assertTrue(unchecked.err().contains("no SHA256SUMS to check model.zip and model_architecture.json against"),
        unchecked.err());
    JobRuns.Outcome tooMany = JobRuns.run(tmp.resolve("bad-workers"), with("mode=centralized", "centralized.workers=11"));
    assertEquals(2, tooMany.exitCode());
    assertTrue(tooMany.err().contains("centralized.workers = 11 exceeds centralized.shards = 10"), tooMany.err());
  }

  @Test
  void compareRunsEveryVariantFromOneSharedBaseAndWritesTheTable() throws Exception {
    Path out = tmp.resolve("compare");
    List<String> cmd = new ArrayList<>(List.of("submit-scripts/compare.sh", "conf/quickstart.conf"));
    cmd.addAll(JobRuns.SMALL);
    cmd.addAll(with("search.shortTermRounds=2", "centralized.shards=4", "centralized.baseRounds=2",
        "centralized.longTermRounds=1"));
    Scripts.Result r = Scripts.run(java.time.Duration.ofMinutes(8), java.util.Map.of(
        "FEDNAS_COMPARE_DIR", out.toString(), "FEDNAS_COMPARE_VARIANTS", "baseline fednas centralized",
        "FEDNAS_CLASSPATH", StandaloneCluster.classpathWithoutTestClasses()), cmd.toArray(new String[0]));
    assertEquals(0, r.exitCode(), r.out() + r.err());
    JsonNode all = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("comparison.json").toFile());
    List<String> variants = new ArrayList<>();
    all.fieldNames().forEachRemaining(variants::add);
    assertEquals(List.of("baseline", "fednas", "centralized"), variants);
    JsonNode base = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("base/summary.json").toFile());
    assertEquals(2, base.get("rounds").asInt(), "the shared base trains search.baseRounds rounds");
    for (String v : List.of("baseline", "fednas")) {
      JsonNode s = all.get(v);
      assertEquals(v, s.get("mode").asText());
      // started from the shared base: no base rounds of its own
      assertEquals(s.get("search").get("short_term_rounds").asInt() + 1, s.get("rounds").asInt(), v);
      assertEquals(base.get("final_model").get("flops").asLong(), s.get("search").get("base_flops").asLong());
    }
    assertEquals(2 + all.get("centralized").get("search").get("short_term_rounds").asInt() + 1,
        all.get("centralized").get("rounds").asInt(), "the centralized reference trains its own base");
    String table = Files.readString(out.resolve("comparison.md"));
    assertTrue(table.lines().anyMatch(l -> l.startsWith("| baseline |") && l.contains("1.0x")), table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("| fednas |") && l.contains(" pt |")), table);
    String html = Files.readString(out.resolve("comparison.html"));
    assertTrue(html.contains("data-chart=\"tradeoff\"") && html.contains("<td>fednas</td>"), html);
    assertTrue(Files.exists(out.resolve("baseline/summary.json")), "the variants' runs are kept");
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
