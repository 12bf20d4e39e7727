package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.report.CsvTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Devices that drop out or miss the deadline, and updates the server must refuse, in real runs. */
class FaultsTest {
  @TempDir Path tmp;

  @Test
  void quickstartFedAvgReaches96PercentWith30PercentDropoutsAndADeadlineAndReportsEveryFailure() throws Exception {
    Path dir = tmp.resolve("dropouts");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = FedNasJob.run(new String[] {"conf/quickstart.conf", "mode=fedavg", "simulation.enabled=true",
        "simulation.dropout=0.3", "simulation.deadlineQuantile=0.9", "federated.targetAccuracy=0.96",
        "spark.conf.spark.ui.enabled=false", "output.dir=" + dir},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    JobRuns.Outcome o = new JobRuns.Outcome(code, out.toString(StandardCharsets.UTF_8), "", dir);
    assertTrue(o.summary().path("reached_target").asBoolean(), o.out());
    assertTrue(o.summary().path("test_accuracy").asDouble() >= 0.96);

    // every failure in failures.csv is in its round's row of rounds.csv, and the other way round
    CsvTable rounds = CsvTable.read(dir.resolve("rounds.csv"));
    CsvTable failures = CsvTable.read(dir.resolve("failures.csv"));
    Map<Integer, Set<Integer>> failedByRound = new HashMap<>();
    Map<String, Integer> kinds = new HashMap<>();
    for (int i = 0; i < failures.size(); i++) {
      failedByRound.computeIfAbsent((int) failures.number(i, "round"), r -> new TreeSet<>())
          .add((int) failures.number(i, "client"));
      kinds.merge(failures.text(i, "kind"), 1, Integer::sum);
    }
    int sampled = 0;
    for (int i = 0; i < rounds.size(); i++) {
      int round = (int) rounds.number(i, "round");
      Set<Integer> listed = new TreeSet<>();
      for (String id : rounds.text(i, "failed_clients").split(" ")) {
        if (!id.isBlank()) {
          listed.add(Integer.parseInt(id));
        }
      }
      assertEquals(failedByRound.getOrDefault(round, Set.of()), listed, "round " + round);
      assertEquals(rounds.number(i, "clients_sampled"), rounds.number(i, "clients_trained")
          + rounds.number(i, "clients_failed"), "round " + round);
      assertEquals(listed.size(), (int) rounds.number(i, "clients_failed"));
      sampled += (int) rounds.number(i, "clients_sampled");
    }
    double dropped = kinds.getOrDefault("dropped", 0);
    assertTrue(dropped / sampled > 0.15 && dropped / sampled < 0.45, "dropout share " + dropped / sampled);
    assertTrue(kinds.getOrDefault("missed deadline", 0) > 0, "the deadline cut no one: " + kinds);
    // failed trainings are counted in the cost, with their partial cost
    CsvTable cost = CsvTable.read(dir.resolve("client_cost.csv"));
    long failedTrainings = 0;
    for (double f : cost.numbers("failed_trainings")) {
      failedTrainings += (long) f;
    }
    assertEquals(failures.size(), failedTrainings);
    assertEquals(sampled, o.summary().path("client_cost").path("client_trainings").asLong());
    assertTrue(o.out().contains("clients failed"), "the progress lines show the failures");
  }

  @Test
  void aRunWhoseEveryUpdateIsRejectedStopsWithAClearErrorAfterMaxFailedRounds() throws Exception {
    List<String> args = new ArrayList<>(List.of("faults.maxUpdateNorm=1e-9", "faults.maxFailedRounds=2",
        "federated.rounds=5"));
    JobRuns.Outcome o = JobRuns.run(tmp.resolve("rejected"), args);
    assertEquals(2, o.exitCode(), o.out() + o.err());
    assertTrue(o.err().contains("2 rounds in a row (up to round 2) had no valid client update"), o.err());
    assertTrue(o.err().contains("faults.maxUpdateNorm"), o.err());
    assertEquals("failed", o.summary().path("status").asText());
    // round 1 is reported as failed, with the global model kept
    List<String> lines = Files.readAllLines(o.dir().resolve("rounds.csv"));
    assertEquals(2, lines.size(), String.join("\n", lines));
    CsvTable rounds = CsvTable.read(o.dir().resolve("rounds.csv"));
    assertEquals(0, rounds.number(0, "clients_trained"));
    assertEquals(5, rounds.number(0, "clients_failed"));
    assertTrue(o.out().contains("ROUND FAILED, model kept"), o.out());
  }

  @Test
  void badSimulationSettingsFailBeforeAnyTrainingNamingTheKey() {
    JobRuns.Outcome toaster = JobRuns.run(tmp.resolve("toaster"), List.of("simulation.enabled=true",
        "simulation.devices=[phone-low, toaster]"));
    assertEquals(2, toaster.exitCode());
    assertTrue(toaster.err().contains("unknown device profile 'toaster'"), toaster.err());
    assertTrue(!Files.exists(tmp.resolve("toaster")), "nothing written");
    JobRuns.Outcome dropout = JobRuns.run(tmp.resolve("dropout"), List.of("simulation.dropout=1.5"));
    assertEquals(2, dropout.exitCode());
    assertTrue(dropout.err().contains("simulation.dropout = 1.5 is invalid"), dropout.err());
    JobRuns.Outcome none = JobRuns.run(tmp.resolve("none"), List.of("simulation.enabled=true", "simulation.devices=[]"));
    assertEquals(2, none.exitCode());
    assertTrue(none.err().contains("simulation.devices"), none.err());
  }
}
