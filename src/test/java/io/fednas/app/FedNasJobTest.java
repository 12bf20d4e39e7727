package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fednas.report.CsvTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole job on real MNIST and real local Spark: outputs, determinism, and bad input. */
class FedNasJobTest {
  @TempDir Path tmp;

  @Test
  void aSmallRunLeavesACompleteRunDirectoryAndIsDeterministicAcrossExecutorCounts() throws Exception {
    JobRuns.Outcome a = JobRuns.run(tmp.resolve("a"), List.of("spark.master=local[2]"));
    assertEquals(0, a.exitCode(), a.err());
    JsonNode s = a.summary();
    assertEquals("completed", s.get("status").asText());
    assertEquals("fedavg", s.get("mode").asText());
    assertEquals(3, s.get("rounds").asInt());
    // 3 rounds of 5 small non-IID clients: far from converged, but clearly learning (chance is 0.1)
    double acc = s.get("test_accuracy").asDouble();
    assertTrue(acc > 0.35 && acc <= 1.0, "test accuracy " + acc);
    JsonNode cost = s.get("client_cost");
    assertEquals(15, cost.get("client_trainings").asLong());
    assertEquals(15L * 431_080 * 4, cost.get("bytes_down").asLong());
    assertEquals(cost.get("bytes_down").asLong(), cost.get("bytes_up").asLong());
    assertEquals(431_080, s.get("final_model").get("params").asLong());
    assertEquals(4_600_720, s.get("final_model").get("flops").asLong());
    assertTrue(s.get("wall_seconds").asDouble() > 0);

    // training FLOPs are exactly 3 x forward x samples trained, summed over the rounds
    CsvTable rounds = CsvTable.read(a.dir().resolve("rounds.csv"));
    assertEquals(3, rounds.size());
    long samples = 0;
    for (double n : rounds.numbers("samples_trained")) {
      samples += (long) n;
    }
    assertEquals(3L * 4_600_720 * samples, cost.get("train_flops").asLong());

    // partition summary: 20 clients holding the 3,000 samples
    List<String> partition = Files.readAllLines(a.dir().resolve("partition.csv"));
    assertEquals(21, partition.size());
    int held = partition.stream().skip(1).mapToInt(l -> {
      String[] c = l.split(",");
      return Integer.parseInt(c[1]) + Integer.parseInt(c[2]);
    }).sum();
    assertEquals(3000, held);

    // Parquet metrics are readable by Spark SQL, the model by DL4J
    SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
    try {
      assertEquals(3, spark.read().parquet(a.dir().resolve("rounds.parquet").toString()).count());
    } finally {
      spark.stop();
    }
    float[] weightsA = JobRuns.modelWeights(a.dir());
    assertEquals(431_080, weightsA.length);
    assertTrue(a.out().contains("round   3/3"), a.out());
    try (var files = Files.list(a.dir())) {
      assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files left");
    }

    // same seed: identical metrics; one executor thread instead of two: identical weights
    JobRuns.Outcome b = JobRuns.run(tmp.resolve("b"), List.of("spark.master=local[2]"));
    JobRuns.Outcome c = JobRuns.run(tmp.resolve("c"), List.of("spark.master=local[1]"));
    assertEquals(0, b.exitCode(), b.err());
    assertEquals(0, c.exitCode(), c.err());
    assertEquals(JobRuns.metricsWithoutTimes(a.dir()), JobRuns.metricsWithoutTimes(b.dir()));
    assertEquals(JobRuns.metricsWithoutTimes(a.dir()), JobRuns.metricsWithoutTimes(c.dir()));
    assertArrayEquals(weightsA, JobRuns.modelWeights(c.dir()));
  }

  @Test
  void aDivergingRunHasItsUpdatesRejectedStopsMarkedFailedAndLeavesNoModel() throws Exception {
    JobRuns.Outcome o = JobRuns.run(tmp.resolve("diverged"), List.of("federated.rounds=2",
        "federated.learningRate=100", "federated.momentum=0.99", "faults.maxFailedRounds=1"));
    assertEquals(2, o.exitCode(), o.err());
    // rejected where they were computed: NaN, infinite or beyond the exact sum's range
    assertTrue(o.err().contains("non-finite weight") || o.err().contains("beyond +-2^22"), o.err());
    assertTrue(o.err().contains("1 rounds in a row (up to round 1) had no valid client update"), o.err());
    assertTrue(o.err().contains("lower federated.learningRate"), o.err());
    JsonNode s = o.summary();
    assertEquals("failed", s.get("status").asText());
    assertTrue(s.get("error").asText().contains("no valid client update"));
    assertFalse(Files.exists(o.dir().resolve("model.zip")));
  }

  @Test
  void privacyClipNormBoundsHowFarARoundMovesTheModel() throws Exception {
    JobRuns.Outcome o = JobRuns.run(tmp.resolve("clipped"), List.of("federated.rounds=1", "privacy.clipNorm=0.01"));
    assertEquals(0, o.exitCode(), o.err());
    io.fednas.config.FedNasConfig cfg = io.fednas.config.ConfigLoader.load(Path.of("conf/quickstart.conf"), List.of());
    float[] initial = new io.fednas.dl4j.Dl4jBackend().initialWeights(io.fednas.model.Architectures.byName(cfg.arch(),
        cfg.widthMultiplier(), 1, 28, 28, 10), io.fednas.data.Seeds.derive(cfg.seed(), io.fednas.data.Seeds.INIT));
    float[] after = JobRuns.modelWeights(o.dir());
    double sq = 0;
    for (int i = 0; i < after.length; i++) {
      sq += ((double) after[i] - initial[i]) * ((double) after[i] - initial[i]);
    }
    assertTrue(Math.sqrt(sq) <= 0.01 + 1e-5 && Math.sqrt(sq) > 0, "moved " + Math.sqrt(sq));
  }

  @Test
  void missingDatasetFailsBeforeAnyOutputIsWritten() {
    Path out = tmp.resolve("never");
    JobRuns.Outcome o = JobRuns.run(out, List.of("data.dir=" + tmp.resolve("no-data")));
    assertEquals(2, o.exitCode());
    assertTrue(o.err().contains("dataset 'mnist' not found") && o.err().contains("datasets/fetch mnist"), o.err());
    assertFalse(Files.exists(out), "a run directory was created for a run that could not start");
  }

  @Test
  void configErrorsExitWithStatus2AndNameTheKey() {
    JobRuns.Outcome o = JobRuns.run(tmp.resolve("x"), List.of("federated.clientsPerRound=50"));
    assertEquals(2, o.exitCode());
    assertTrue(o.err().contains("federated.clientsPerRound = 50 exceeds federated.clients = 20"), o.err());
    o = JobRuns.run(tmp.resolve("x"), List.of("federated.batchsize=8"));
    assertEquals(2, o.exitCode());
    assertTrue(o.err().contains("did you mean 'federated.batchSize'?"), o.err());
    o = JobRuns.run(tmp.resolve("x"), List.of("federated.rounds=ten"));
    assertEquals(2, o.exitCode());
    assertTrue(o.err().contains("federated.rounds = ten"), o.err());
    assertFalse(Files.exists(tmp.resolve("x")));
  }

  @Test
  void anExistingRunDirectoryIsNeverOverwrittenUnlessAsked() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("old"));
    Files.writeString(dir.resolve("summary.json"), "{\"status\":\"completed\"}");
    JobRuns.Outcome o = JobRuns.run(dir, List.of());
    assertEquals(2, o.exitCode());
    assertTrue(o.err().contains("already exists and is not empty") && o.err().contains("output.overwrite=true"), o.err());
    assertEquals("{\"status\":\"completed\"}", Files.readString(dir.resolve("summary.json")));
  }
}
