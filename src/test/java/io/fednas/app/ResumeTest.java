package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.checkpoint.CheckpointFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FedNAS search whose driver JVM is killed (SIGKILL, no chance to clean up) at random rounds and
 * resumed with --resume ends exactly as the same search run without interruption.
 */
class ResumeTest {
  @TempDir Path tmp;

  /** A small search with every phase: 2 base rounds, 2 iterations of short-term rounds, 2 long-term rounds. */
  private static final List<String> SEARCH = List.of("mode=fednas", "data.maxTrainSamples=4000",
      "federated.clientsPerRound=6", "search.baseRounds=2", "search.longTermRounds=2", "search.budgetRatio=0.6",
      "search.initialReduction=0.2", "eval.validationClients=10");

  @Test
  void aSearchKilledAtRandomRoundsAndResumedEqualsTheUninterruptedOne() throws Exception {
    JobRuns.Outcome whole = JobRuns.run(tmp.resolve("whole"), SEARCH);
    assertEquals(0, whole.exitCode(), whole.err());
    int rounds = whole.summary().path("rounds").asInt();
    assertTrue(rounds >= 5, "rounds: " + rounds);
    assertFalse(Files.exists(whole.dir().resolve(CheckpointFile.NAME)), "a completed run keeps no checkpoint");

    long seed = System.nanoTime();
    Random random = new Random(seed);
    int first = 1 + random.nextInt(rounds - 1); // kill after round 1 .. rounds-1
    int second;
    do {
      second = 1 + random.nextInt(rounds - 1);
    } while (second == first && rounds > 2);
    System.out.printf("ResumeTest: kill seed %d, kill points: after round %d and after round %d of %d%n", seed, first,
        second, rounds);
    for (int killAfter : List.of(first, second)) {
      Path dir = tmp.resolve("killed-" + killAfter);
      String killedAt = runAndKill(dir, killAfter, SEARCH);
      assertTrue(CheckpointFile.exists(dir), "no checkpoint after the kill (" + killedAt + ")");
      List<String> args = new ArrayList<>(SEARCH);
      args.add("--resume");
      args.add(dir.toString());
      JobRuns.Outcome resumed = JobRuns.run(dir, args);
      assertEquals(0, resumed.exitCode(), killedAt + "\n" + resumed.out() + resumed.err());
      assertTrue(resumed.out().contains("resuming from the checkpoint after round"), resumed.out());
      assertSameResults(whole, resumed, killedAt);
      assertFalse(CheckpointFile.exists(dir), "the completed run keeps no checkpoint");
      JobRuns.Outcome again = JobRuns.run(dir, args); // a scheduler retrying a run that completed: nothing to do
      assertEquals(0, again.exitCode(), again.err());
      assertTrue(again.out().contains("has already completed; nothing to resume"), again.out());
      assertSameResults(whole, again, killedAt + ", resumed twice");
    }
  }

  @Test
  void aSearchWithThePredictorKilledBeforeAndInsideARankedIterationAndResumedEqualsTheUninterruptedOne()
      throws Exception {
    // iteration 1 (round 3) is cold; iteration 2 (round 4) is ranked: a kill after round 3 makes the
    // resumed run fit the predictor again, one after round 4 continues from the predictions it saved
    List<String> search = new ArrayList<>(SEARCH);
    search.addAll(List.of("search.predictor=gbt", "search.predictorKeep=1", "search.predictorMinPairs=3"));
    JobRuns.Outcome whole = JobRuns.run(tmp.resolve("whole"), search);
    assertEquals(0, whole.exitCode(), whole.err());
    assertTrue(whole.summary().path("search").path("predictor").path("candidates_pruned").asInt() > 0, whole.out());
    for (int killAfter : List.of(3, 4)) {
      Path dir = tmp.resolve("killed-" + killAfter);
      String killedAt = runAndKill(dir, killAfter, search);
      List<String> args = new ArrayList<>(search);
      args.add("--resume");
      args.add(dir.toString());
      JobRuns.Outcome resumed = JobRuns.run(dir, args);
      assertEquals(0, resumed.exitCode(), killedAt + "\n" + resumed.out() + resumed.err());
      assertSameResults(whole, resumed, killedAt);
    }
  }

  @Test
  void resumeRefusesWhatItCannotContinueBeforeAnyTraining() throws Exception {
    Path missing = tmp.resolve("nowhere");
    JobRuns.Outcome noDir = JobRuns.run(missing, List.of("--resume", missing.toString()));
    assertEquals(2, noDir.exitCode());
    assertTrue(noDir.err().contains("--resume " + missing + ": no such run directory"), noDir.err());

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    JobRuns.Outcome noCheckpoint = JobRuns.run(empty, List.of("--resume", empty.toString()));
    assertEquals(2, noCheckpoint.exitCode());
    assertTrue(noCheckpoint.err().contains("no checkpoint to resume from: " + empty.resolve("checkpoint.bin")),
        noCheckpoint.err());

    Path damaged = Files.createDirectories(tmp.resolve("damaged"));
    Files.write(damaged.resolve("checkpoint.bin"), new byte[] {1, 2, 3, 4, 5});
    JobRuns.Outcome unreadable = JobRuns.run(damaged, List.of("--resume", damaged.toString()));
    assertEquals(2, unreadable.exitCode());
    assertTrue(unreadable.err().contains("the checkpoint " + damaged.resolve("checkpoint.bin") + " is truncated or damaged"),
        unreadable.err());

    // a real checkpoint (the run stops itself after round 1: every update rejected), resumed with other settings
    Path stopped = tmp.resolve("stopped");
    JobRuns.Outcome failed = JobRuns.run(stopped, List.of("faults.maxUpdateNorm=1e-9", "faults.maxFailedRounds=1"));
    assertEquals(2, failed.exitCode(), failed.err());
    assertTrue(CheckpointFile.exists(stopped), "the last good state is kept for a resume");
    JobRuns.Outcome other = JobRuns.run(stopped, List.of("--resume", stopped.toString(), "federated.learningRate=0.01",
        "spark.tasksPerStage=1"));
    assertEquals(2, other.exitCode());
    assertTrue(other.err().contains("cannot resume " + stopped + " with a different config: "), other.err());
    assertTrue(other.err().contains("federated.learningRate (run: 0.05, now: 0.01)"), other.err());
    assertTrue(other.err().contains("faults.maxUpdateNorm (run: 1e-9, now: 0)"), other.err());
    assertFalse(other.err().contains("spark."), "where and in how many tasks a run computes may change: " + other.err());
  }

  @Test
  void aResumeWhoseNewestCheckpointIsDamagedFallsBackAGenerationAndEndsTheSame() throws Exception {
    List<String> fedavg = List.of("federated.rounds=4");
    JobRuns.Outcome whole = JobRuns.run(tmp.resolve("whole"), fedavg);
    assertEquals(0, whole.exitCode(), whole.err());
    Path dir = tmp.resolve("killed");
    String killedAt = runAndKill(dir, 3, fedavg);
    Path newest = dir.resolve(CheckpointFile.NAME);
    assertTrue(Files.exists(dir.resolve(CheckpointFile.PREVIOUS)), "two generations after 3 rounds: " + killedAt);
    // 64 bytes in the middle flipped, as a bad disk or a partial copy would
    byte[] bytes = Files.readAllBytes(newest);
    for (int i = bytes.length / 2; i < bytes.length / 2 + 64; i++) {
      bytes[i] ^= 0x01;
    }
    Files.write(newest, bytes);
    List<String> args = new ArrayList<>(fedavg);
    args.add("--resume");
    args.add(dir.toString());
    JobRuns.Outcome resumed = JobRuns.run(dir, args);
    assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
    List<String> said = resumed.out().lines().filter(l -> l.contains("previous generation")).toList();
    assertEquals(1, said.size(), resumed.out());
    assertTrue(said.get(0).startsWith("the checkpoint " + newest + " is damaged: the SHA-256 of its first ")
        && said.get(0).matches(".*; resuming from the previous generation, checkpoint\\.previous\\.bin, after round [12]"),
        said.get(0));
    assertArrayEquals(bytes, Files.readAllBytes(dir.resolve(CheckpointFile.DAMAGED)), "the damaged file is kept");
    assertArrayEquals(JobRuns.modelWeights(whole.dir()), JobRuns.modelWeights(resumed.dir()), killedAt);
    assertEquals(JobRuns.metricsWithoutTimes(whole.dir()), JobRuns.metricsWithoutTimes(resumed.dir()), killedAt);
  }

  @Test
  void aDecayingLongTermRateActsAndResumesInsideTheLongTermRoundsToTheSameModel() throws Exception {
    List<String> constant = SEARCH.stream().map(a -> a.startsWith("search.longTermRounds=") ? "search.longTermRounds=3" : a)
        .toList();
    List<String> cosine = new ArrayList<>(constant);
    cosine.add("search.longTermSchedule=cosine");
    JobRuns.Outcome whole = JobRuns.run(tmp.resolve("whole"), cosine);
    assertEquals(0, whole.exitCode(), whole.err());
    assertTrue(whole.out().contains("learning rate cosine 0.0500000 -> 0.0125000"), whole.out());
    JobRuns.Outcome flat = JobRuns.run(tmp.resolve("constant"), constant);
    assertEquals(0, flat.exitCode(), flat.err());
    assertFalse(Arrays.equals(JobRuns.modelWeights(flat.dir()), JobRuns.modelWeights(whole.dir())),
        "the schedule changes the long-term rounds");
    int rounds = whole.summary().path("rounds").asInt();
    Path dir = tmp.resolve("killed");
    String killedAt = runAndKill(dir, rounds - 2, cosine); // after the first of the three long-term rounds
    List<String> args = new ArrayList<>(cosine);
    args.add("--resume");
    args.add(dir.toString());
    JobRuns.Outcome resumed = JobRuns.run(dir, args);
    assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
    assertSameResults(whole, resumed, killedAt);
  }

  @Test
  void aPrivateRunKilledAndResumedAddsTheSameNoiseAndReportsTheSameEpsilon() throws Exception {
    List<String> dp = List.of("federated.rounds=4", "privacy.clipNorm=1", "privacy.noiseMultiplier=1.2");
    JobRuns.Outcome whole = JobRuns.run(tmp.resolve("whole"), dp);
    assertEquals(0, whole.exitCode(), whole.err());
    Path dir = tmp.resolve("killed");
    String killedAt = runAndKill(dir, 2, dp);
    List<String> args = new ArrayList<>(dp);
    args.add("--resume");
    args.add(dir.toString());
    JobRuns.Outcome resumed = JobRuns.run(dir, args);
    assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
    assertArrayEquals(JobRuns.modelWeights(whole.dir()), JobRuns.modelWeights(resumed.dir()), killedAt);
    assertEquals(JobRuns.metricsWithoutTimes(whole.dir()), JobRuns.metricsWithoutTimes(resumed.dir()), killedAt);
    assertEquals(whole.summary().path("privacy"), resumed.summary().path("privacy"), killedAt);
  }

  @Test
  void aPrivateSearchKilledAndResumedReportsTheSameEpsilonAndModel() throws Exception {
    JobRuns.Outcome whole = JobRuns.run(tmp.resolve("whole"), PrivacyTest.PRIVATE_SEARCH);
    assertEquals(0, whole.exitCode(), whole.err());
    JsonNode privacy = whole.summary().path("privacy");
    int rounds = whole.summary().path("rounds").asInt();
    assertTrue(rounds > 4, "base, search and long-term rounds: " + rounds);
    assertEquals("completed", whole.summary().path("status").asText());
    assertEquals(rounds, privacy.path("private_rounds").asInt(), "every round is accounted, the search's too");
    assertEquals(new io.fednas.privacy.PrivacyBudget(0.3, 1.2, 1e-5, 0).after(rounds).epsilon(),
        privacy.path("epsilon").asDouble(), 1e-12);
    Path dir = tmp.resolve("killed");
    String killedAt = runAndKill(dir, 3, PrivacyTest.PRIVATE_SEARCH); // in the search's first iteration
    List<String> args = new ArrayList<>(PrivacyTest.PRIVATE_SEARCH);
    args.add("--resume");
    args.add(dir.toString());
    JobRuns.Outcome resumed = JobRuns.run(dir, args);
    assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
    assertSameResults(whole, resumed, killedAt);
    assertEquals(privacy, resumed.summary().path("privacy"), killedAt);
  }

  /** Starts the job in its own JVM, SIGKILLs it once round {@code round} has been reported, returns where it was. */
  private String runAndKill(Path dir, int round, List<String> overrides) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("submit-scripts/run-local.sh", "conf/quickstart.conf"));
    cmd.addAll(JobRuns.SMALL);
    cmd.addAll(overrides);
    cmd.add("output.dir=" + dir);
    Path log = tmp.resolve("killed-" + round + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("FEDNAS_CLASSPATH", StandaloneCluster.classpathWithoutTestClasses());
    pb.environment().put("FEDNAS_DRIVER_MEMORY", "3g");
    Process p = pb.start();
    Pattern done = Pattern.compile("(?m)^round\\s+" + round + "\\b");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    try {
      while (!done.matcher(Files.readString(log, StandardCharsets.UTF_8)).find()) {
        assertTrue(p.isAlive(), "the job ended before round " + round + ":\n" + Files.readString(log));
        assertTrue(System.nanoTime() < deadline, "round " + round + " not reached in 4 minutes");
        Thread.sleep(50);
      }
    } finally {
      p.destroyForcibly(); // SIGKILL: run-local.sh exec'd the JVM, so this is the driver itself
      p.waitFor(30, TimeUnit.SECONDS);
    }
    assertFalse(Files.exists(dir.resolve("summary.json")), "killed before it could finish");
    String out = Files.readString(log, StandardCharsets.UTF_8);
    return "killed after: " + out.substring(Math.max(0, out.lastIndexOf("\nround"))).trim().lines().findFirst().orElse("");
  }

  private static void assertSameResults(JobRuns.Outcome whole, JobRuns.Outcome resumed, String where) throws Exception {
    assertArrayEquals(JobRuns.modelWeights(whole.dir()), JobRuns.modelWeights(resumed.dir()), where);
    assertEquals(JobRuns.metricsWithoutTimes(whole.dir()), JobRuns.metricsWithoutTimes(resumed.dir()), where);
    for (String table : List.of("search.csv", "tournament.csv", "client_cost.csv", "failures.csv")) {
      assertEquals(Files.readString(whole.dir().resolve(table)), Files.readString(resumed.dir().resolve(table)),
          where + ": " + table);
    }
    assertEquals(withoutTimes(whole.summary()), withoutTimes(resumed.summary()), where + ": summary.json");
  }

  /** summary.json without what differs between any two runs: wall times, paths, the config file. */
  private static JsonNode withoutTimes(JsonNode summary) {
    ObjectNode s = summary.deepCopy();
    s.remove("wall_seconds");
    ((ObjectNode) s.path("final_model")).remove("path");
    ((ObjectNode) s.path("final_model")).remove("sha256"); // of the file: the zip records when it was written
    s.remove("provenance");
    s.remove("checkpoints"); // how many this attempt wrote, and whether it resumed
    s.remove("driver_old_gen_peak_bytes");
    if (s.has("search")) {
      ObjectNode search = (ObjectNode) s.get("search");
      search.remove("wall_seconds");
    }
    return s;
  }
}
