package io.fednas.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.fednas.charts.Chart;
import io.fednas.charts.PngChart;
import io.fednas.charts.Series.Style;
import io.fednas.charts.Series;
import io.fednas.charts.SvgChart;
import io.fednas.search.TournamentRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * report.html of a run directory: self-contained (inline SVG and CSS, no network),
 * with the accuracy per round, the client cost over time, and for a search the trade-off curve,
 * each iteration's tournament, the rounds per iteration with their reasons, and per-client
 * participation. Every chart is also written as charts/ID.png.
 */
public final class HtmlReport {
  private final List<Chart> charts = new ArrayList<>();
  private final StringBuilder body = new StringBuilder();

  private HtmlReport() {}

  /** Writes report.html and charts/*.png for the run in {@code dir} with its summary. */
  public static void write(RunDirectory dir, JsonNode summary) throws IOException {
    HtmlReport r = new HtmlReport();
    Path root = dir.root();
    r.figures(summary);
    CsvTable rounds = CsvTable.read(root.resolve("rounds.csv"));
    r.roundCharts(rounds);
    if (Files.exists(root.resolve("search.csv"))) {
      CsvTable search = CsvTable.read(root.resolve("search.csv"));
      r.section("Trade-off curve", "The model chosen at every iteration: its resource and validation accuracy. "
          + "The base model and the final model's test accuracy after the long-term fine-tune are marked.");
      r.chart(tradeoff("tradeoff", Map.of("search", search), summary, Map.of()));
      if (Files.exists(root.resolve("tournament.csv"))) {
        CsvTable tournament = CsvTable.read(root.resolve("tournament.csv"));
        r.tournament(tournament);
        if (summary.path("search").has("predictor")) {
          r.predictor(tournament, search, summary.path("search").path("predictor"));
        }
      }
      r.roundsPerIteration(search);
    }
    if (summary.has("deployment")) {
      r.deployment(summary.get("deployment"));
    }
    r.participation(CsvTable.read(root.resolve("client_cost.csv")));
    String title = "FedNAS-Spark run " + summary.path("name").asText() + " (" + summary.path("mode").asText() + ")";
    r.writeAll(dir, "report.html", title);
  }

  void writeAll(RunDirectory dir, String file, String title) throws IOException {
    Path chartDir = Files.createDirectories(dir.root().resolve("charts"));
    for (Chart c : charts) {
      PngChart.write(c, chartDir.resolve(c.id() + ".png"));
    }
    dir.writeString(file, page(title, body.toString()));
  }

  static HtmlReport empty() {
    return new HtmlReport();
  }

  void section(String title, String explanation) {
    body.append("<h2>").append(SvgChart.escapeText(title)).append("</h2>\n<p>").append(SvgChart.escapeText(explanation))
        .append("</p>\n");
  }

  void chart(Chart c) {
    charts.add(c);
    body.append("<figure>").append(SvgChart.render(c)).append("<figcaption><a href=\"charts/").append(c.id())
        .append(".png\">PNG</a></figcaption></figure>\n");
  }

  void html(String s) {
    body.append(s);
  }

  private void figures(JsonNode s) {
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("status", s.path("status").asText());
    rows.put("mode", s.path("mode").asText());
    rows.put("dataset", s.path("dataset").asText());
    rows.put("test accuracy", String.format(Locale.ROOT, "%.2f%%", 100 * s.path("test_accuracy").asDouble()));
    rows.put("rounds", s.path("rounds").asText());
    rows.put("wall time", Progress.duration(s.path("wall_seconds").asDouble()));
    JsonNode model = s.path("final_model");
    rows.put("final model", String.format(Locale.ROOT, "%s: %,d parameters, %,d forward FLOPs",
        s.path("search").path("final_architecture").asText(model.path("arch").asText()), model.path("params").asLong(),
        model.path("flops").asLong()));
    JsonNode cost = s.path("client_cost");
    rows.put("client cost", String.format(Locale.ROOT, "%d client-trainings, %s train FLOPs, %s down, %s up",
        cost.path("client_trainings").asLong(), Progress.si(cost.path("train_flops").asDouble(), ""),
        Progress.si(cost.path("bytes_down").asDouble(), "B"), Progress.si(cost.path("bytes_up").asDouble(), "B")));
    if (s.has("search")) {
      JsonNode search = s.get("search");
      rows.put("search", String.format(Locale.ROOT, "%d iterations, %d short-term rounds, %d candidates trained, %d dropped",
          search.path("iterations").asInt(), search.path("short_term_rounds").asInt(),
          search.path("candidates_trained").asInt(), search.path("candidates_dropped").asInt()));
    }
    body.append("<table class=\"figures\">\n");
    rows.forEach((k, v) -> body.append("<tr><th>").append(k).append("</th><td>").append(SvgChart.escapeText(v))
        .append("</td></tr>\n"));
    body.append("</table>\n");
  }

  /** summary.json's deployment: the registered model the selector picks for each device profile. */
  private void deployment(JsonNode deployment) {
    section("Deployment", "For each device profile, the model of the registry (models/registry.json) with the "
        + "highest validation accuracy within the profile's limits; its test accuracy is shown, never used to choose. "
        + "submit-scripts/select-model.sh makes the same choice for any profile and limits.");
    StringBuilder t = new StringBuilder("<table><tr><th>device</th><th>limits</th><th>model</th><th>architecture</th>"
        + "<th>val acc</th><th>test acc</th><th>latency</th></tr>\n");
    deployment.fields().forEachRemaining(e -> {
      JsonNode d = e.getValue();
      t.append("<tr><td>").append(SvgChart.escapeText(e.getKey())).append("</td><td>")
          .append(SvgChart.escapeText(d.path("limits").asText())).append("</td>");
      if (d.has("error")) {
        t.append("<td colspan=\"5\">").append(SvgChart.escapeText(d.get("error").asText())).append("</td>");
      } else {
        t.append(String.format(Locale.ROOT, "<td>%s</td><td>%s</td><td>%.2f%%</td><td>%.2f%%</td><td>%.3f ms</td>",
            SvgChart.escapeText(d.path("model").asText()), SvgChart.escapeText(d.path("architecture").asText()),
            100 * d.path("validation_accuracy").asDouble(Double.NaN), 100 * d.path("test_accuracy").asDouble(),
            d.path("latency_ms").asDouble()));
      }
      t.append("</tr>\n");
    });
    html(t.append("</table>\n").toString());
  }

  private void roundCharts(CsvTable rounds) {
    double[] round = rounds.numbers("round");
    section("Accuracy per round", "Test accuracy of the global model (every eval.testEvery rounds) and validation "
        + "accuracy on the clients' hold-outs. In a search, rounds run on through the base training, the short-term "
        + "rounds of the candidates (where the validation score is the last candidate trained) and the long-term fine-tune.");
    chart(new Chart("accuracy", "Accuracy per round", "round", "accuracy", List.of(
        new Series("test", round, rounds.numbers("test_accuracy"), Style.LINE_POINTS),
        new Series("validation", round, rounds.numbers("validation_accuracy"), Style.LINE))));
    section("Client cost over time", "What the simulated clients have paid so far: training FLOPs, and bytes "
        + "downloaded plus uploaded.");
    chart(new Chart("client-flops", "Cumulative client training FLOPs", "round", "FLOPs", List.of(
        new Series("train FLOPs", round, rounds.numbers("cum_train_flops"), Style.LINE))));
    double[] down = rounds.numbers("cum_bytes_down");
    double[] up = rounds.numbers("cum_bytes_up");
    chart(new Chart("client-bytes", "Cumulative client traffic", "round", "bytes", List.of(
        new Series("down", round, down, Style.LINE), new Series("up", round, up, Style.LINE))));
    double[] epsilon = rounds.numbers("epsilon");
    if (java.util.Arrays.stream(epsilon).anyMatch(Double::isFinite)) {
      section("Privacy spent", "Epsilon (at privacy.delta) after each round of DP-FedAvg, from the Renyi-DP "
          + "accountant of the sampled Gaussian mechanism; the run stops before a round that would pass "
          + "privacy.targetEpsilon.");
      chart(new Chart("privacy", "Epsilon spent", "round", "epsilon", List.of(
          new Series("epsilon", round, epsilon, Style.LINE))));
    }
  }

  /**
   * Accuracy against FLOPs: one curve per named search.csv, the base model, each run's final test
   * accuracy, and extra labelled markers (the comparison's baseline result, say).
   */
  static Chart tradeoff(String id, Map<String, CsvTable> curves, JsonNode summary, Map<String, double[]> markers) {
    List<Series> series = new ArrayList<>();
    for (Map.Entry<String, CsvTable> e : curves.entrySet()) {
      CsvTable t = e.getValue();
      String[] labels = new String[t.size()];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = "iteration " + t.text(i, "iteration") + ": " + t.text(i, "architecture");
      }
      series.add(new Series(e.getKey() + " (validation)", t.numbers("flops"), t.numbers("validation_accuracy"),
          Style.LINE_POINTS, labels));
    }
    CsvTable first = curves.values().iterator().next();
    series.add(new Series("base model", new double[] {first.number(0, "flops")},
        new double[] {first.number(0, "validation_accuracy")}, Style.MARKER, new String[] {"base"}));
    if (summary != null) {
      series.add(new Series("final (test)", new double[] {summary.path("final_model").path("flops").asDouble()},
          new double[] {summary.path("test_accuracy").asDouble()}, Style.MARKER, new String[] {"final, test"}));
    }
    markers.forEach((name, xy) -> series.add(new Series(name, new double[] {xy[0]}, new double[] {xy[1]}, Style.MARKER,
        new String[] {name})));
    return new Chart(id, "Accuracy against forward FLOPs", "forward FLOPs per sample", "accuracy", series);
  }

  private void tournament(CsvTable t) {
    section("Tournaments", "Every iteration's candidates (one per prunable layer, named layer -> width): their "
        + "validation accuracy at each decision point, and when each was dropped or chosen.");
    Map<Integer, List<Integer>> rowsByIteration = new TreeMap<>();
    for (int r = 0; r < t.size(); r++) {
      rowsByIteration.computeIfAbsent((int) t.number(r, "iteration"), k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<Integer, List<Integer>> it : rowsByIteration.entrySet()) {
      Map<String, List<double[]>> byCandidate = new TreeMap<>();
      StringBuilder table = new StringBuilder("<table><tr><th>after rounds</th><th>candidate</th><th>val acc</th>"
          + "<th>predicted</th><th>outcome</th></tr>\n");
      for (int r : it.getValue()) {
        String name = "layer " + t.text(r, "layer") + " -> " + t.text(r, "width");
        if (!t.text(r, "outcome").equals(TournamentRecord.PRUNED)) { // never trained: nothing to draw
          byCandidate.computeIfAbsent(name, k -> new ArrayList<>())
              .add(new double[] {t.number(r, "rounds_done"), t.number(r, "validation_accuracy")});
        }
        table.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td>"
            + "</tr>%n", t.text(r, "rounds_done"), name, score(t.number(r, "validation_accuracy")),
            score(t.number(r, "predicted_score")), t.text(r, "outcome").replace(' ', '-'), t.text(r, "outcome")));
      }
      List<Series> series = new ArrayList<>();
      byCandidate.forEach((name, pts) -> series.add(new Series(name, pts.stream().mapToDouble(p -> p[0]).toArray(),
          pts.stream().mapToDouble(p -> p[1]).toArray(), Style.LINE_POINTS)));
      chart(new Chart("tournament-" + it.getKey(), "Iteration " + it.getKey() + ": candidates' validation accuracy",
          "short-term rounds done", "validation accuracy", series));
      body.append("<details><summary>iteration ").append(it.getKey()).append(": decisions</summary>")
          .append(table).append("</table></details>\n");
    }
  }

  /** A score for a table cell; "-" for one not measured or not predicted. */
  private static String score(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
  }

  /**
   * search.predictor: each trained candidate's predicted score against the score it got at its
   * iteration's first decision (the one every trained candidate reaches), both centred on their
   * iteration's mean so that iterations share one scale; Spearman's rho pooled over them in the caption.
   */
  private void predictor(CsvTable t, CsvTable search, JsonNode predictor) {
    Map<Integer, Double> firstDecision = new TreeMap<>();
    for (int r = 0; r < t.size(); r++) {
      if (!t.text(r, "outcome").equals(TournamentRecord.PRUNED)) {
        firstDecision.merge((int) t.number(r, "iteration"), t.number(r, "rounds_done"), Math::min);
      }
    }
    Map<Integer, List<Integer>> rowsByIteration = new TreeMap<>(); // each trained candidate's first-decision row
    for (int r = 0; r < t.size(); r++) {
      int iteration = (int) t.number(r, "iteration");
      if (Double.isFinite(t.number(r, "predicted_score")) && !t.text(r, "outcome").equals(TournamentRecord.PRUNED)
          && t.number(r, "rounds_done") == firstDecision.get(iteration)) {
        rowsByIteration.computeIfAbsent(iteration, k -> new ArrayList<>()).add(r);
      }
    }
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    rowsByIteration.forEach((iteration, rows) -> {
      double px = rows.stream().mapToDouble(r -> t.number(r, "predicted_score")).average().orElse(0);
      double oy = rows.stream().mapToDouble(r -> t.number(r, "validation_accuracy")).average().orElse(0);
      for (int r : rows) {
        xs.add(t.number(r, "predicted_score") - px);
        ys.add(t.number(r, "validation_accuracy") - oy);
        labels.add("iteration " + iteration + ": layer " + t.text(r, "layer") + " -> " + t.text(r, "width"));
      }
    });
    JsonNode rho = predictor.path("rank_correlation_pooled");
    section("Accuracy predictor", String.format(Locale.ROOT, "search.predictor = %s let %d candidates an iteration train "
            + "once it had %d observed scores and pruned %d. Each candidate it ranked and that trained: its "
            + "predicted score against the score observed at the iteration's first decision, both relative to the "
            + "iteration's mean. Spearman's rank correlation over them: %s.",
        predictor.path("kind").asText(), predictor.path("keep").asInt(), predictor.path("min_pairs").asInt(),
        predictor.path("candidates_pruned").asInt(),
        rho.isNull() || rho.isMissingNode() ? "not measured (fewer than two)" : String.format(Locale.ROOT,
            "%.3f over %d candidates", rho.asDouble(), predictor.path("rank_correlation_pooled_pairs").asInt())));
    if (!xs.isEmpty()) {
      chart(new Chart("predictor", "Predicted against observed score, relative to the iteration's mean",
          "predicted", "observed", List.of(new Series("trained candidates", xs.stream().mapToDouble(Double::doubleValue)
              .toArray(), ys.stream().mapToDouble(Double::doubleValue).toArray(), Style.POINTS,
              labels.toArray(String[]::new)))));
    }
    double[] perIteration = search.numbers("predictor_rank_correlation");
    if (java.util.Arrays.stream(perIteration).anyMatch(Double::isFinite)) {
      chart(new Chart("predictor-rank-correlation", "Spearman's rank correlation per iteration", "iteration",
          "rho", List.of(new Series("rho", search.numbers("iteration"), perIteration, Style.BARS))));
    }
  }

  private void roundsPerIteration(CsvTable search) {
    section("Rounds per iteration", "Short-term rounds of each iteration, and why the round schedule chose them.");
    int n = search.size() - 1; // row 0 is the base model
    double[] it = new double[n];
    double[] rounds = new double[n];
    StringBuilder table = new StringBuilder("<table><tr><th>iteration</th><th>rounds</th><th>reason</th><th>chosen</th>"
        + "<th>FLOPs</th><th>val acc</th></tr>\n");
    for (int i = 0; i < n; i++) {
      it[i] = search.number(i + 1, "iteration");
      rounds[i] = search.number(i + 1, "short_term_rounds");
      table.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%,d</td><td>%.4f</td></tr>%n",
          (int) it[i], (int) rounds[i], SvgChart.escapeText(search.text(i + 1, "rounds_reason")),
          search.text(i + 1, "architecture"), (long) search.number(i + 1, "flops"), search.number(i + 1, "validation_accuracy")));
    }
    chart(new Chart("rounds-per-iteration", "Short-term rounds per iteration", "iteration", "rounds",
        List.of(new Series("rounds", it, rounds, Style.BARS))));
    body.append(table).append("</table>\n");
  }

  private void participation(CsvTable cost) {
    section("Participation", "Client-trainings per client over the whole run, failed ones (dropped out, missed the "
        + "deadline, update rejected) included; failures.csv says which and why.");
    double[] clients = cost.numbers("client");
    double[] trainings = cost.numbers("client_trainings");
    chart(new Chart("participation", "Client-trainings per client", "client", "trainings",
        List.of(new Series("trainings", clients, trainings, Style.BARS))));
    double[] failed = cost.numbers("failed_trainings");
    int never = 0;
    double max = 0;
    long failures = 0;
    for (int c = 0; c < trainings.length; c++) {
      never += trainings[c] == 0 ? 1 : 0;
      max = Math.max(max, trainings[c]);
      failures += (long) failed[c];
    }
    body.append(String.format(Locale.ROOT, "<p>%d clients, %d never trained, at most %d trainings per client, "
        + "%d failed trainings.</p>%n", trainings.length, never, (long) max, failures));
  }

  /**
   * Marks each chart with how many of its data marks the browser actually laid out (non-empty
   * bounding boxes), so a headless-browser test can tell drawn charts from empty ones.
   */
  private static final String RENDER_CHECK = "<script>document.querySelectorAll('svg.chart').forEach(function(svg){"
      + "var n=0;svg.querySelectorAll('.point,.series,.bar').forEach(function(m){var b=m.getBBox();"
      + "if(b.width>0||b.height>0){n++;}});svg.setAttribute('data-rendered-marks',n);});</script>\n";

  private static String page(String title, String body) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + SvgChart.escapeText(title)
        + "</title>\n<style>body{font-family:sans-serif;max-width:820px;margin:2em auto;color:#222}"
        + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;"
        + "font-size:13px}th{background:#f4f4f4}figure{margin:1em 0}figcaption{font-size:12px}"
        + ".dropped{color:#d62728}.chosen{color:#2ca02c;font-weight:bold}</style></head>\n<body>\n<h1>"
        + SvgChart.escapeText(title) + "</h1>\n" + body + RENDER_CHECK + "</body></html>\n";
  }
}
