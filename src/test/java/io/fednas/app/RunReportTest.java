package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What people look at after a run, checked on a real small FedNAS search: report.html in headless
 * Chromium, the chart PNGs, the Zeppelin note's SQL against the run's Parquet tables, the console.
 */
class RunReportTest {
  private static final Pattern DATA = Pattern.compile("<svg[^>]*data-chart=\"([a-z0-9-]+)\"[^>]*data-points=\"(\\d+)\"");
  private static final Pattern CHART = Pattern.compile(
      "<svg[^>]*data-chart=\"([a-z0-9-]+)\"[^>]*data-points=\"(\\d+)\"[^>]*data-rendered-marks=\"(\\d+)\"");

  @TempDir static Path tmp;
  private static JobRuns.Outcome run;

  @BeforeAll
  static void smallSearch() {
    run = JobRuns.run(tmp.resolve("run"), List.of("mode=fednas", "data.maxTrainSamples=4000",
        "federated.clientsPerRound=6", "search.baseRounds=2", "search.longTermRounds=1", "search.budgetRatio=0.6",
        "search.initialReduction=0.2", "eval.validationClients=10"));
    assertEquals(0, run.exitCode(), run.err());
  }

  @Test
  void reportHtmlHoldsEveryChartWithDataAndLoadsNothing() throws Exception {
    String html = Files.readString(run.dir().resolve("report.html"));
    String withoutSvgNamespace = html.replace("http://www.w3.org/2000/svg", "");
    assertFalse(withoutSvgNamespace.contains("http") || html.contains("src="), "the report must not load anything");
    Matcher m = DATA.matcher(html);
    List<String> charts = new ArrayList<>();
    while (m.find()) {
      charts.add(m.group(1));
      assertTrue(Integer.parseInt(m.group(2)) > 0, m.group(1) + " has no data");
    }
    assertTrue(charts.containsAll(List.of("accuracy", "client-flops", "client-bytes", "tradeoff", "tournament-1",
        "rounds-per-iteration", "participation")), charts.toString());
    assertEquals(html.split("class=\"chart\"").length - 1, charts.size(), "every chart has data: " + charts);
    for (String id : charts) {
      BufferedImage png = ImageIO.read(run.dir().resolve("charts/" + id + ".png").toFile());
      assertEquals(1520, png.getWidth(), id);
      assertTrue(distinctColours(png) > 10, id + ".png looks blank");
    }
  }

  /**
   * Laid out by a real browser, every chart's marks have a size. Needs Chromium (Debian's
   * {@code chromium}, which .ci/run installs); without it the test is skipped, saying so.
   */
  @Test
  void reportHtmlRendersEveryChartInHeadlessChromium() throws Exception {
    String chromium = chromium();
    Assumptions.assumeTrue(chromium != null, "Chromium is not installed (apt-get install chromium; .ci/run installs "
        + "it): report.html's layout in a browser is not checked on this machine");
    Path report = run.dir().resolve("report.html");
    String html = Files.readString(report);
    Path screenshot = Path.of("target", "report-screenshot.png").toAbsolutePath();
    Files.deleteIfExists(screenshot);
    Scripts.Result dom = Scripts.run(Duration.ofSeconds(90), Map.of(), chromium, "--headless", "--no-sandbox",
        "--disable-gpu", "--enable-logging=stderr", "--v=0", "--dump-dom", report.toUri().toString());
    assertEquals(0, dom.exitCode(), dom.err());
    for (String line : dom.err().lines().toList()) {
      assertFalse(line.contains("CONSOLE") || line.contains("Uncaught"), "script error: " + line);
    }
    List<String> charts = new ArrayList<>();
    Matcher m = CHART.matcher(dom.out());
    while (m.find()) {
      charts.add(m.group(1));
      assertTrue(Integer.parseInt(m.group(3)) > 0, m.group(1) + " drew nothing in the browser");
    }
    assertEquals(html.split("class=\"chart\"").length - 1, charts.size(), "every chart rendered: " + charts);

    Scripts.Result shot = Scripts.run(Duration.ofSeconds(90), Map.of(), chromium, "--headless", "--no-sandbox",
        "--disable-gpu", "--hide-scrollbars", "--window-size=900,4000", "--screenshot=" + screenshot,
        report.toUri().toString());
    assertEquals(0, shot.exitCode(), shot.err());
    assertTrue(Files.size(screenshot) > 20_000, "screenshot " + screenshot);
  }

  @Test
  void everyParquetTableHasTheSameDocumentedSchemaInAFedAvgRunAndASearch() throws Exception {
    JobRuns.Outcome fedavg = JobRuns.run(tmp.resolve("fedavg"), List.of()); // mode fedavg, 3 rounds
    assertEquals(0, fedavg.exitCode(), fedavg.err());
    String docs = Files.readString(Path.of("docs/OUTPUTS.md"));
    SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
    try {
      for (String t : List.of("rounds", "partition", "client_cost", "failures", "search", "tournament",
          "models/registry")) {
        StructType schema = spark.read().parquet(run.dir().resolve(t + ".parquet").toString()).schema();
        if (!t.equals("search") && !t.equals("tournament")) { // a FedAvg run has no search tables
          assertEquals(schema, spark.read().parquet(fedavg.dir().resolve(t + ".parquet").toString()).schema(), t);
        }
        for (StructField f : schema.fields()) {
          String row = f.name().startsWith("label_") ? "| `label_0` ... `label_K-1` | " : "| `" + f.name() + "` | ";
          assertTrue(docs.contains(row + f.dataType().simpleString() + " |"),
              t + "." + f.name() + " (" + f.dataType().simpleString() + ") is not in docs/OUTPUTS.md as it is written");
        }
      }
    } finally {
      spark.stop();
    }
  }

  @Test
  void everySqlParagraphOfTheZeppelinNoteRunsOnTheRunsParquetTables() throws Exception {
    JsonNode note = new ObjectMapper().readTree(Path.of("notebooks/fednas-results.zpln").toFile());
    List<String> sql = new ArrayList<>();
    String load = null;
    for (JsonNode p : note.get("paragraphs")) {
      assertFalse(p.path("title").asText().isBlank(), "untitled paragraph: " + p);
      assertTrue(p.path("config").path("title").asBoolean(), "title not shown: " + p.path("title"));
      String text = p.get("text").asText();
      if (text.startsWith("%sql")) {
        assertTrue(text.lines().anyMatch(l -> l.startsWith("-- ") && l.length() > 30),
            p.path("title").asText() + " does not explain what it shows");
        sql.add(text.substring("%sql".length()));
      } else if (text.startsWith("%spark")) {
        load = text;
      }
    }
    assertTrue(sql.size() >= 6, "SQL paragraphs: " + sql.size());
    // the tables the note's load paragraph registers, each from RUN_DIR/NAME.parquet
    Matcher tables = Pattern.compile("Seq\\(([^)]*)\\)").matcher(load);
    assertTrue(tables.find(), load);
    SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
    try {
      for (String t : tables.group(1).replace("\"", "").split(",\\s*")) { // a view named like the file
        spark.read().parquet(run.dir().resolve(t + ".parquet").toString())
            .createOrReplaceTempView(t.substring(t.lastIndexOf('/') + 1));
      }
      for (String q : sql) {
        assertTrue(spark.sql(q).collectAsList().size() > 0, "no rows from:" + q);
      }
    } finally {
      spark.stop();
    }
  }

  @Test
  void progressShowsTimeLeftAndEveryTournamentDecision() {
    String out = run.out();
    assertTrue(out.lines().anyMatch(l -> l.startsWith("round") && l.contains("iteration 1:") && l.contains("left ~")), out);
    assertTrue(out.contains("dropped candidate"), out);
    assertTrue(out.lines().filter(l -> l.contains("left ~")).count() >= 4, out);
  }

  /** Chromium's path, or null when it is not installed. */
  private static String chromium() {
    for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    return null;
  }

  private static int distinctColours(BufferedImage img) {
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 7) {
      for (int x = 0; x < img.getWidth(); x += 7) {
        colours.add(img.getRGB(x, y));
      }
    }
    return colours.size();
  }
}
