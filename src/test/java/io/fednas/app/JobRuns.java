package io.fednas.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the real job in this JVM on a small slice of real MNIST, for tests. */
final class JobRuns {
  /** Small but real: FedAvg of LeNet, 3,000 MNIST training images over 20 clients, 1,000 test images. */
  static final List<String> SMALL = List.of("mode=fedavg",
      "data.maxTrainSamples=3000", "data.maxTestSamples=1000",
      "federated.clients=20", "federated.clientsPerRound=5", "federated.rounds=3",
      "federated.targetAccuracy=0", "eval.testEvery=1",
      "spark.conf.spark.ui.enabled=false");

  record Outcome(int exitCode, String out, String err, Path dir) {
    JsonNode summary() throws Exception {
      return new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    }
  }

  private JobRuns() {}

  static Outcome run(Path dir, List<String> overrides) {
    List<String> args = new ArrayList<>();
    args.add("conf/quickstart.conf");
    args.addAll(SMALL);
    args.add("output.dir=" + dir);
    args.addAll(overrides);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = FedNasJob.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), dir);
  }

  /** The final model's weights. */
  static float[] modelWeights(Path dir) throws Exception {
    return new io.fednas.dl4j.Dl4jBackend().load(dir.resolve("model.zip"));
  }

  /** rounds.csv without the wall-time columns, which differ from run to run. */
  static List<String> metricsWithoutTimes(Path dir) throws Exception {
    List<String> lines = Files.readAllLines(dir.resolve("rounds.csv"));
    List<String> header = List.of(lines.get(0).split(","));
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      String[] cells = line.split(",");
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cells.length; i++) {
        if (!header.get(i).endsWith("_seconds")) {
          sb.append(cells[i]).append(',');
        }
      }
      out.add(sb.toString());
    }
    return out;
  }
}
