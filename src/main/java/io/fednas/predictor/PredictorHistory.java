package io.fednas.predictor;

import com.fasterxml.jackson.databind.JsonNode;
import io.fednas.FedNasException;
import io.fednas.model.Architecture;
import io.fednas.report.Json;
import io.fednas.search.CutFeatures;
import io.fednas.search.TournamentRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * search.predictorHistory: earlier searches' tournament tables, which warm the predictor up before
 * this run has observed a score. Only searches of the same dataset and architecture family teach it
 * anything, so any other run is refused, before any training.
 */
public final class PredictorHistory {
  /** The tournament table's columns the predictor learns from (written since the predictor exists). */
  static final List<String> COLUMNS = List.of("iteration", "rounds_done", "candidate", "layer", "width",
      "validation_accuracy", "outcome", "predicted_score", "width_before", "parent_widths", "flops_before",
      "flops_after", "params_before", "params_after", "parent_score", "drop_last", "drop_total");

  private PredictorHistory() {}

  /**
   * Checks each run directory before any training: a finished search of {@code dataset} with an
   * architecture of {@code arch}'s family (same name and number of prunable layers), with its
   * tournament.parquet.
   */
  public static void check(List<String> runDirs, String dataset, Architecture arch) {
    for (String dir : runDirs) {
      Path root = Path.of(dir);
      String key = "search.predictorHistory: " + dir;
      JsonNode summary;
      try {
        summary = Json.MAPPER.readTree(root.resolve("summary.json").toFile());
      } catch (IOException e) {
        throw new FedNasException(key + " is not a run directory (no readable summary.json: " + e.getMessage() + ")");
      }
      String status = summary.path("status").asText();
      if (!status.equals("completed") && !status.equals("budget_spent")) {
        throw new FedNasException(key + ": the run did not finish (status " + status + ")");
      }
      if (!summary.has("search") || !Files.isDirectory(root.resolve("tournament.parquet"))) {
        throw new FedNasException(key + ": not a search (mode " + summary.path("mode").asText()
            + "): it has no tournament.parquet to learn from");
      }
      String theirData = summary.path("dataset").asText();
      String theirArch = summary.path("final_model").path("arch").asText();
      if (!theirData.equals(dataset) || !theirArch.equals(arch.name())) {
        throw new FedNasException(key + " searched " + theirArch + " on " + theirData + "; this run searches "
            + arch.name() + " on " + dataset + ": scores of another dataset or architecture family do not predict "
            + "this run's (remove it from search.predictorHistory)");
      }
    }
  }

  /** The observed records of every run's tournament.parquet, read on the driver's session. */
  public static List<TournamentRecord> load(SparkSession spark, List<String> runDirs, Architecture arch) {
    List<TournamentRecord> out = new ArrayList<>();
    int prunable = arch.prunableLayers().size();
    for (String dir : runDirs) {
      Path table = Path.of(dir, "tournament.parquet");
      org.apache.spark.sql.Dataset<Row> rows = spark.read().parquet(table.toUri().toString());
      List<String> missing = COLUMNS.stream().filter(c -> !Arrays.asList(rows.columns()).contains(c)).toList();
      if (!missing.isEmpty()) {
        throw new FedNasException("search.predictorHistory: " + table + " has no " + missing + " columns: it was "
            + "written before the accuracy predictor's features were recorded; run that search again to learn from it");
      }
      for (Row r : rows.select(COLUMNS.stream().map(org.apache.spark.sql.functions::col)
          .toArray(org.apache.spark.sql.Column[]::new)).collectAsList()) {
        TournamentRecord t = record(r);
        if (t.features().parentWidths().size() != prunable) {
          throw new FedNasException("search.predictorHistory: " + table + " describes models with "
              + t.features().parentWidths().size() + " prunable layers; " + arch.name() + " here has " + prunable);
        }
        if (t.observed()) {
          out.add(t);
        }
      }
    }
    return out;
  }

  private static TournamentRecord record(Row r) {
    List<Integer> widths = Arrays.stream(r.getString(9).trim().split(" ")).map(Integer::valueOf).toList();
    CutFeatures f = new CutFeatures(r.getInt(0), r.getInt(3), widths, r.getInt(8), r.getInt(4), r.getLong(10),
        r.getLong(11), r.getLong(12), r.getLong(13), r.getDouble(14), r.getDouble(15), r.getDouble(16));
    return new TournamentRecord(r.getInt(0), r.getInt(1), r.getInt(2), r.getInt(3), r.getInt(4),
        r.isNullAt(5) ? Double.NaN : r.getDouble(5), r.getString(6), r.isNullAt(7) ? Double.NaN : r.getDouble(7), f);
  }
}
