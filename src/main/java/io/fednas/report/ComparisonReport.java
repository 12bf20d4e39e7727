package io.fednas.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.charts.Chart;
import io.fednas.charts.Series;
import io.fednas.charts.SvgChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison of several runs of the same config (baseline, fednas, the ablations, the
 * centralized reference): comparison.json, comparison.md (each variant's figures and its ratios to
 * the baseline) and comparison.html.
 */
public final class ComparisonReport {
  private ComparisonReport() {}

  /** Writes the three files into {@code dir}; {@code runs} and {@code runDirs} are keyed by variant. Returns the table. */
  public static String write(RunDirectory dir, Map<String, JsonNode> runs, Map<String, Path> runDirs) throws IOException {
    ObjectNode all = Json.MAPPER.createObjectNode();
    runs.forEach(all::set);
    dir.writeString("comparison.json", Json.MAPPER.writeValueAsString(all));
    String table = table(runs);
    dir.writeString("comparison.md", table);
    html(dir, table, runs, runDirs);
    return table;
  }

  /** comparison.html: the table, the variants' trade-off curves and final results, accuracy per round. */
  static void html(RunDirectory dir, String table, Map<String, JsonNode> runs, Map<String, Path> runDirs)
      throws IOException {
    HtmlReport r = HtmlReport.empty();
    r.section("Variants", "Each variant's final model and client cost; ratios are the baseline's cost divided by "
        + "the variant's. Search cost counts the short-term fine-tuning of the candidates; run cost adds the "
        + "long-term fine-tune (and the base model where the run trained its own).");
    r.html(htmlTable(table));
    Map<String, CsvTable> curves = new LinkedHashMap<>();
    Map<String, double[]> finals = new LinkedHashMap<>();
    List<Series> accuracy = new ArrayList<>();
    for (Map.Entry<String, Path> e : runDirs.entrySet()) {
      Path search = e.getValue().resolve("search.csv");
      if (Files.exists(search)) {
        curves.put(e.getKey(), CsvTable.read(search));
      }
      JsonNode s = runs.get(e.getKey());
      finals.put(e.getKey() + " (test)", new double[] {s.path("final_model").path("flops").asDouble(),
          s.path("test_accuracy").asDouble()});
      CsvTable rounds = CsvTable.read(e.getValue().resolve("rounds.csv"));
      accuracy.add(new Series(e.getKey(), rounds.numbers("round"), rounds.numbers("test_accuracy"), Series.Style.LINE_POINTS));
    }
    if (!curves.isEmpty()) {
      r.section("Trade-off curves", "Every variant's chosen model per iteration (validation accuracy against FLOPs), "
          + "the base model, and each variant's final test accuracy after the long-term fine-tune.");
      r.chart(HtmlReport.tradeoff("tradeoff", curves, null, finals));
    }
    r.section("Test accuracy per round", "Rounds of the base model (where trained), the search and the long-term fine-tune.");
    r.chart(new Chart("accuracy", "Test accuracy per round", "round", "test accuracy", accuracy));
    r.writeAll(dir, "comparison.html", "FedNAS-Spark comparison");
  }

  /** The markdown table as HTML. */
  static String htmlTable(String markdown) {
    StringBuilder sb = new StringBuilder("<table>\n");
    List<String> lines = markdown.lines().filter(l -> l.startsWith("|") && !l.startsWith("|---")).toList();
    for (int i = 0; i < lines.size(); i++) {
      String cell = i == 0 ? "th" : "td";
      sb.append("<tr>");
      for (String c : lines.get(i).substring(1, lines.get(i).length() - 1).split("\\|")) {
        sb.append('<').append(cell).append('>').append(SvgChart.escapeText(c.strip())).append("</").append(cell).append('>');
      }
      sb.append("</tr>\n");
    }
    return sb.append("</table>\n").toString();
  }

  /**
   * One row per variant: final model, test accuracy and its gap to the baseline and to the
   * centralized reference, client cost of the search phase and of the whole run (the shared base
   * model excluded when it was loaded), and the baseline's cost divided by the variant's. Every cost
   * counts training and scoring together: FLOPs of local training and of scoring candidates, bytes
   * of models and updates and of models sent only to be scored.
   */
  static String table(Map<String, JsonNode> runs) {
    JsonNode base = runs.get("baseline");
    JsonNode central = runs.get("centralized");
    StringBuilder sb = new StringBuilder(
        "| variant | final FLOPs | test acc | vs baseline | vs centralized | search client FLOPs | search bytes"
            + " | search scoring bytes | search trainings | run client FLOPs | run bytes | device s | wall s | search FLOPs ratio"
            + " | search bytes ratio | run FLOPs ratio | run bytes ratio |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map.Entry<String, JsonNode> e : runs.entrySet()) {
      JsonNode s = e.getValue();
      JsonNode search = s.get("search");
      JsonNode cost = search.get("client_cost");
      boolean pooled = e.getKey().equals("centralized"); // workers on pooled data, not clients
      String[] ratios = {"", "", "", ""};
      if (base != null && !pooled) {
        ratios[0] = ratio(searchFlops(base), searchFlops(s));
        ratios[1] = ratio(searchBytes(base), searchBytes(s));
        ratios[2] = ratio(runFlops(base), runFlops(s));
        ratios[3] = ratio(runBytes(base), runBytes(s));
      }
      double acc = s.get("test_accuracy").asDouble();
      sb.append(String.format(Locale.ROOT,
          "| %s | %,d | %.4f | %s | %s | %.3g | %.3g | %.3g | %d | %.3g | %.3g | %.1f | %.0f | %s | %s | %s | %s |%n",
          e.getKey(), s.get("final_model").get("flops").asLong(), acc, gap(acc, base), gap(acc, central),
          searchFlops(s), searchBytes(s), cost.path("scoring_bytes_down").asDouble(), cost.get("client_trainings").asLong(),
          runFlops(s), runBytes(s), search.get("simulated_device_seconds").asDouble(),
          s.get("wall_seconds").asDouble(), ratios[0], ratios[1], ratios[2], ratios[3]));
    }
    return sb.toString();
  }

  private static double searchFlops(JsonNode summary) {
    JsonNode c = summary.get("search").get("client_cost");
    return c.get("train_flops").asDouble() + c.path("scoring_flops").asDouble();
  }

  private static double searchBytes(JsonNode summary) {
    JsonNode c = summary.get("search").get("client_cost");
    return c.get("bytes").asDouble() + c.path("scoring_bytes_down").asDouble();
  }

  private static double runFlops(JsonNode summary) {
    JsonNode c = summary.get("client_cost");
    return c.get("train_flops").asDouble() + c.path("scoring_flops").asDouble();
  }

  private static double runBytes(JsonNode summary) {
    JsonNode c = summary.get("client_cost");
    return c.get("bytes_down").asDouble() + c.get("bytes_up").asDouble() + c.path("scoring_bytes_down").asDouble();
  }

  private static String ratio(double baseline, double variant) {
    return String.format(Locale.ROOT, "%.1fx", baseline / variant);
  }

  /** Test accuracy minus the reference's, in points. */
  private static String gap(double acc, JsonNode reference) {
    return reference == null ? "" : String.format(Locale.ROOT, "%+.2f pt", 100 * (acc - reference.get("test_accuracy").asDouble()));
  }
}
