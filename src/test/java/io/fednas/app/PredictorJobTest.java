package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fednas.report.CsvTable;
import io.fednas.search.TournamentRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * search.predictor in the real job (real MNIST, local Spark, MLlib on the driver's session): cold
 * start, pruning, the warm start from an earlier run, and the runs it refuses to learn from.
 */
class PredictorJobTest {
  @TempDir Path tmp;

  /**
   * A small FedNAS search of LeNet: two candidates an iteration (the dense layer alone cannot meet a
   * 20% cut), so iteration 1 leaves 3 scores (two at its first decision, the one chosen).
   */
  private static List<String> search(String... more) {
    List<String> out = new ArrayList<>(List.of("mode=fednas", "data.maxTrainSamples=4000", "federated.clientsPerRound=6",
        "search.baseRounds=2", "search.longTermRounds=1", "search.budgetRatio=0.6", "search.initialReduction=0.2",
        "eval.validationClients=10", "search.predictor=gbt", "search.predictorKeep=1", "search.predictorMinPairs=3"));
    out.addAll(List.of(more));
    return out;
  }

  private static List<Integer> rowsOf(CsvTable t, int iteration, String outcome) {
    List<Integer> rows = new ArrayList<>();
    for (int r = 0; r < t.size(); r++) {
      if ((int) t.number(r, "iteration") == iteration && t.text(r, "outcome").equals(outcome)) {
        rows.add(r);
      }
    }
    return rows;
  }

  @Test
  void aColdPredictorTrainsTheFirstIterationsCandidatesAndAWarmOneRanksFromTheStart() throws Exception {
    JobRuns.Outcome cold = JobRuns.run(tmp.resolve("cold"), search());
    assertEquals(0, cold.exitCode(), cold.err());
    assertTrue(cold.out().contains("fewer than search.predictorMinPairs = 3: every candidate trains"), cold.out());
    CsvTable tournament = CsvTable.read(cold.dir().resolve("tournament.csv"));
    assertEquals(List.of(), rowsOf(tournament, 1, TournamentRecord.PRUNED), "iteration 1 is cold");
    JsonNode search = cold.summary().get("search");
    assertTrue(search.get("iterations").asInt() >= 2, cold.out());
    List<Integer> pruned = rowsOf(tournament, 2, TournamentRecord.PRUNED);
    assertFalse(pruned.isEmpty(), "iteration 2 trains only the best-ranked candidate: " + cold.out());
    for (int r : pruned) {
      assertTrue(Double.isFinite(tournament.number(r, "predicted_score")));
      assertTrue(Double.isNaN(tournament.number(r, "validation_accuracy")));
    }
    JsonNode predictor = search.get("predictor");
    assertEquals("gbt", predictor.get("kind").asText());
    assertEquals(pruned.size() + rowsOf(tournament, 3, TournamentRecord.PRUNED).size(),
        predictor.get("candidates_pruned").asInt());
    CsvTable curve = CsvTable.read(cold.dir().resolve("search.csv"));
    assertEquals("[]", curve.text(1, "pruned"));
    assertFalse(curve.text(2, "pruned").equals("[]"));
    assertTrue(Files.readString(cold.dir().resolve("report.html")).contains("Accuracy predictor"));
    assertTrue(Files.isDirectory(cold.dir().resolve("tournament.parquet")));

    JobRuns.Outcome warm = JobRuns.run(tmp.resolve("warm"), search("search.predictorHistory=[\"" + cold.dir() + "\"]"));
    assertEquals(0, warm.exitCode(), warm.err());
    int learned = (int) java.util.stream.IntStream.range(0, tournament.size())
        .filter(r -> !tournament.text(r, "outcome").equals(TournamentRecord.PRUNED)).count();
    assertTrue(warm.out().contains("predictor: " + learned + " observed scores from 1 earlier run(s)"), warm.out());
    CsvTable warmTournament = CsvTable.read(warm.dir().resolve("tournament.csv"));
    assertFalse(rowsOf(warmTournament, 1, TournamentRecord.PRUNED).isEmpty(), "iteration 1 is ranked already");
    assertFalse(warm.out().contains("fewer than search.predictorMinPairs"), warm.out());

    // another dataset's history: refused before any training, nothing written
    Path foreign = tmp.resolve("foreign");
    JobRuns.Outcome refused = JobRuns.run(foreign, search("data.name=fashion-mnist",
        "search.predictorHistory=[\"" + cold.dir() + "\"]"));
    assertEquals(2, refused.exitCode(), refused.out());
    assertTrue(refused.err().contains("search.predictorHistory: " + cold.dir() + " searched lenet on mnist; this run "
        + "searches lenet on fashion-mnist"), refused.err());
    assertFalse(Files.exists(foreign), "a refused run writes nothing");
    // a run that searched nothing has no tournament to learn from
    JobRuns.Outcome fedavg = JobRuns.run(tmp.resolve("fedavg"), List.of());
    assertEquals(0, fedavg.exitCode(), fedavg.err());
    JobRuns.Outcome notASearch = JobRuns.run(tmp.resolve("x"), search("search.predictorHistory=[\"" + fedavg.dir() + "\"]"));
    assertEquals(2, notASearch.exitCode());
    assertTrue(notASearch.err().contains("not a search (mode fedavg)"), notASearch.err());
  }

  @Test
  void predictorSettingsThatWouldChangeNothingAreRefused() {
    String[][] cases = {
        {"mode=baseline", "search.predictor = gbt with mode = baseline"},
        {"search.predictor=none", "search.predictorHistory"},
        {"search.predictor=forest", "search.predictor"},
        {"search.predictorKeep=0", "search.predictorKeep"},
    };
    for (String[] c : cases) {
      List<String> args = search(c[0]);
      if (c[1].equals("search.predictorHistory")) {
        args.add("search.predictorHistory=[\"/tmp\"]");
      }
      Path dir = tmp.resolve("bad");
      JobRuns.Outcome o = JobRuns.run(dir, args);
      assertEquals(2, o.exitCode(), c[0]);
      assertTrue(o.err().contains(c[1]), c[0] + ": " + o.err());
      assertFalse(Files.exists(dir), c[0] + " created a run directory");
    }
  }
}
