package io.fednas.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Collects the summary.json of several runs of the same config (baseline, fednas, the ablations)
 * into comparison.json, and prints a table with each variant's figures and its ratios to the
 * baseline: {@code Comparison OUT_DIR variant=RUN_DIR ...}.
 */
public final class Comparison {
  private Comparison() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: Comparison OUT_DIR variant=RUN_DIR [variant=RUN_DIR ...]");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    Map<String, JsonNode> runs = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      Path summary = Path.of(kv[1], "summary.json");
      if (!Files.isRegularFile(summary)) {
        System.err.println("error: " + summary + " not found: the " + kv[0] + " run did not complete");
        System.exit(2);
      }
      runs.put(kv[0], JobRun.JSON.readTree(summary.toFile()));
    }
    ObjectNode all = JobRun.JSON.createObjectNode();
    runs.forEach(all::set);
    RunDirectory dir = RunDirectory.prepare(out, true);
    dir.writeString("comparison.json", JobRun.JSON.writeValueAsString(all));
    String table = table(runs);
    dir.writeString("comparison.md", table);
    System.out.print(table);
  }

  static String table(Map<String, JsonNode> runs) {
    JsonNode base = runs.get("baseline");
    StringBuilder sb = new StringBuilder(
        "| variant | final FLOPs | test acc | search client FLOPs | search bytes | search trainings | device s | wall s |"
            + " FLOPs ratio | bytes ratio |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map.Entry<String, JsonNode> e : runs.entrySet()) {
      JsonNode s = e.getValue();
      JsonNode search = s.get("search");
      JsonNode cost = search.get("client_cost");
      String flopsRatio = "";
      String bytesRatio = "";
      if (base != null) {
        JsonNode b = base.get("search").get("client_cost");
        flopsRatio = String.format(Locale.ROOT, "%.1fx", b.get("train_flops").asDouble() / cost.get("train_flops").asDouble());
        bytesRatio = String.format(Locale.ROOT, "%.1fx", b.get("bytes").asDouble() / cost.get("bytes").asDouble());
      }
      sb.append(String.format(Locale.ROOT, "| %s | %,d | %.4f | %.3g | %.3g | %d | %.1f | %.0f | %s | %s |%n",
          e.getKey(), s.get("final_model").get("flops").asLong(), s.get("test_accuracy").asDouble(),
          cost.get("train_flops").asDouble(), cost.get("bytes").asDouble(), cost.get("client_trainings").asLong(),
          search.get("simulated_device_seconds").asDouble(), s.get("wall_seconds").asDouble(), flopsRatio, bytesRatio));
    }
    return sb.toString();
  }
}
