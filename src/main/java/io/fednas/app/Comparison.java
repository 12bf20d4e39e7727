package io.fednas.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.fednas.report.ComparisonReport;
import io.fednas.report.Json;
import io.fednas.report.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The comparison's entry point, for compare.sh: {@code Comparison OUT_DIR variant=RUN_DIR ...}
 * collects the variants' summary.json and writes comparison.json, .md and .html into OUT_DIR.
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
    Map<String, Path> runDirs = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      Path summary = Path.of(kv[1], "summary.json");
      if (!Files.isRegularFile(summary)) {
        System.err.println("error: " + summary + " not found: the " + kv[0] + " run did not complete");
        System.exit(2);
      }
      runs.put(kv[0], Json.MAPPER.readTree(summary.toFile()));
      runDirs.put(kv[0], Path.of(kv[1]));
    }
    RunDirectory dir = RunDirectory.existing(out); // it holds the variants' run directories
    System.out.print(ComparisonReport.write(dir, runs, runDirs));
    System.out.println("comparison: " + dir.resolve("comparison.html"));
  }
}
