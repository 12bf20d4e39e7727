package io.fednas.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fednas.config.ConfigLoader;
import io.fednas.data.DatasetLoader;
import io.fednas.data.ImageSet;
import io.fednas.dl4j.Dl4jBackend;
import io.fednas.federated.ModelState;
import io.fednas.model.TrainableNetwork;
import io.fednas.registry.ModelRegistry;
import io.fednas.registry.RegistryEntry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model registry of a real search: every point saved, loadable and scoring what the registry
 * says; the deployment choice per device; select-model.sh's answers and refusals; a search that
 * starts from a registry entry records it as the parent.
 */
class RegistryTest {
  /** A small search with every phase: 2 base rounds, iterations of short-term rounds, 2 long-term rounds. */
  private static final List<String> SEARCH = List.of("mode=fednas", "data.maxTrainSamples=4000",
      "federated.clientsPerRound=6", "search.baseRounds=2", "search.longTermRounds=2", "search.budgetRatio=0.6",
      "search.initialReduction=0.2", "eval.validationClients=10");

  @TempDir Path tmp;

  @Test
  void aSearchRegistersEveryPointOfItsCurveAndTheSelectorPicksForEachDevice() throws Exception {
    JobRuns.Outcome run = JobRuns.run(tmp.resolve("search"), SEARCH);
    assertEquals(0, run.exitCode(), run.err());
    ModelRegistry.Registry registry = ModelRegistry.read(run.dir());
    List<String> ids = registry.models().stream().map(RegistryEntry::id).toList();
    assertTrue(ids.size() >= 3 && ids.get(0).equals("base") && ids.get(ids.size() - 1).equals("final"), ids.toString());
    JsonNode summary = run.summary();
    assertEquals(summary.path("search").path("iterations").asInt() + 2, ids.size(), "base, each iteration, final");

    // every model reloads and scores on the test set exactly what its entry says
    List<String> overrides = new ArrayList<>(JobRuns.SMALL);
    overrides.addAll(SEARCH);
    ImageSet test = DatasetLoader.load(ConfigLoader.load(Path.of("conf/quickstart.conf"), overrides).data()).test();
    Dl4jBackend backend = new Dl4jBackend();
    String parent = null;
    for (RegistryEntry e : registry.models()) {
      ModelState m = ModelRegistry.load(backend, registry, e);
      assertEquals(e.testAccuracy(), accuracy(backend, m, test), 1e-9, e.id());
      assertEquals(e.architecture(), m.arch().describe());
      assertEquals(parent, e.parent(), e.id() + " was cut from the model before it");
      assertTrue(e.validationAccuracy() > 0 && e.validationAccuracy() <= 1 && e.latencyMs().keySet().containsAll(
          List.of("phone-low", "phone-high", "edge-silo")), e.toString());
      parent = e.id();
    }
    assertEquals(summary.path("test_accuracy").asDouble(), registry.entry("final").testAccuracy(), 1e-9);
    assertTrue(registry.run().path("config_sha256").asText().matches("[0-9a-f]{64}")
        && registry.run().path("dataset_sha256").size() == 4, registry.run().toString());
    assertTrue(Files.isDirectory(run.dir().resolve("models/registry.parquet")));
    JsonNode provenance = summary.path("provenance");
    for (String key : List.of("config_sha256", "dataset_sha256", "git_commit", "backend")) {
      assertEquals(registry.run().path(key), provenance.path(key), "summary.json and the registry agree on " + key);
    }
    // local mode: the one executor is the driver, and it trained with what the driver reports
    assertEquals(1, provenance.path("executors").size(), provenance.toString());
    assertEquals("executor driver on ", provenance.path("executors").get(0).asText().substring(0, 19));
    assertTrue(provenance.path("executors").get(0).asText().endsWith(": " + provenance.path("backend").asText()),
        provenance.toString());
    // the ISA and BLAS core it trained with, as this JVM's environment sets them
    String core = System.getenv("OPENBLAS_CORETYPE");
    assertTrue(provenance.path("backend").asText().contains(core == null || core.isBlank()
        ? "OpenBLAS core detected for this CPU" : "OpenBLAS core pinned to " + core + " by OPENBLAS_CORETYPE"),
        provenance.toString());
    assertTrue(provenance.path("backend").asText().matches(".*; CPU (avx512f|avx2|avx|sse4_2|unknown) .*"),
        provenance.toString());

    // summary.json and the report name each profile's choice: the best validation accuracy within its limits
    RegistryEntry best = registry.models().stream()
        .max(java.util.Comparator.comparingDouble(RegistryEntry::validationAccuracy)).orElseThrow();
    for (String device : List.of("phone-low", "phone-high", "edge-silo")) {
      assertEquals(best.id(), summary.path("deployment").path(device).path("model").asText(), device);
    }
    String report = Files.readString(run.dir().resolve("report.html"));
    assertTrue(report.contains("<h2>Deployment</h2>") && report.contains("<td>phone-low</td>"), "deployment table");

    // select-model.sh: the same choice, one JSON line; tighter limits pick a smaller model or say none fits
    Scripts.Result r = Scripts.run(Duration.ofMinutes(2), Map.of("FEDNAS_CLASSPATH",
        StandaloneCluster.classpathWithoutTestClasses()), "submit-scripts/select-model.sh", run.dir().toString(),
        "--device", "conf/devices/phone-low.conf");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode line = new ObjectMapper().readTree(r.out().strip());
    assertEquals(best.id(), line.path("model").asText());
    assertTrue(Files.isRegularFile(Path.of(line.path("path").asText())), line.toString());
    long smallest = registry.models().stream().mapToLong(RegistryEntry::flops).min().orElseThrow();
    JsonNode tight = select(run.dir().toString(), "--device", "conf/devices/edge-silo.conf", "--max-flops",
        String.valueOf(smallest));
    assertEquals(smallest, tight.path("flops").asLong(), tight.toString());
    String none = refused(run.dir().toString(), "--device", "conf/devices/edge-silo.conf", "--max-flops", "1000");
    assertTrue(none.contains("no registered model meets edge-silo's limits (FLOPs <= 1,000): the closest is "), none);

    // a search from a registry entry records where it came from; with search.fineTuneEach every point
    // but the final one gets rounds of its own, and the clients' cost counts them
    JobRuns.Outcome from = JobRuns.run(tmp.resolve("from-entry"), with(SEARCH, "search.baseModel=" + run.dir()
        + "#iteration-1", "search.budgetRatio=0.9", "search.fineTuneEach=1"));
    assertEquals(0, from.exitCode(), from.err());
    ModelRegistry.Registry fromRegistry = ModelRegistry.read(from.dir());
    RegistryEntry base = fromRegistry.entry("base");
    assertEquals(run.dir() + "#iteration-1", base.parent());
    assertEquals(registry.entry("iteration-1").architecture(), base.architecture());
    assertTrue(base.fineTune().startsWith("none here: loaded from "), base.fineTune());
    List<RegistryEntry> tuned = fromRegistry.models().stream().filter(e -> !e.id().equals("final")).toList();
    assertTrue(tuned.stream().allMatch(e -> e.fineTune().endsWith("then 1 FedAvg rounds of its own (search.fineTuneEach)")),
        tuned.toString());
    List<String> rounds = Files.readAllLines(from.dir().resolve("rounds.csv"));
    int trainings = List.of(rounds.get(0).split(",")).indexOf("cum_client_trainings");
    long inRounds = Long.parseLong(rounds.get(rounds.size() - 1).split(",")[trainings]);
    assertEquals(inRounds + 6L * tuned.size(), from.summary().path("client_cost").path("client_trainings").asLong(),
        "one round of 6 clients per fine-tuned point");
  }

  @Test
  void badInputIsRefusedNamingWhatIsWrongAndWritesNothing() throws Exception {
    JobRuns.Outcome run = JobRuns.run(tmp.resolve("fedavg"), List.of());
    assertEquals(0, run.exitCode(), run.err());
    ModelRegistry.Registry registry = ModelRegistry.read(run.dir());
    assertEquals(List.of("final"), registry.models().stream().map(RegistryEntry::id).toList());
    assertNull(registry.entry("final").parent());
    String dir = run.dir().toString();

    assertTrue(refused(tmp.toString(), "--device", "conf/devices/phone-low.conf")
        .contains(tmp + " has no model registry: " + tmp.resolve("models/registry.json") + " does not exist"));
    assertTrue(refused(dir, "--device", "conf/devices/no-such.conf")
        .contains("--device conf/devices/no-such.conf: no such device profile"));
    assertTrue(refused(dir, "--device", "conf/devices/phone-low.conf", "--max-latency-ms", "fast")
        .contains("--max-latency-ms fast: expected a number > 0"));
    assertTrue(refused(dir, "--device", "conf/devices/phone-low.conf", "--max-params", "-3")
        .contains("--max-params -3: expected a number > 0"));
    assertTrue(refused(dir).contains("--device is required"));
    assertTrue(refused(dir, "--device").contains("--device needs a value"));

    Path model = run.dir().resolve("models/final.zip");
    byte[] bytes = Files.readAllBytes(model);
    bytes[bytes.length / 2] ^= 0x20;
    Files.write(model, bytes);
    String corrupt = refused(dir, "--device", "conf/devices/phone-low.conf");
    assertTrue(corrupt.contains("registry entry final: " + model + " is damaged or was changed: its SHA-256 is "),
        corrupt);
    Files.delete(model);
    assertTrue(refused(dir, "--device", "conf/devices/phone-low.conf")
        .contains("registry entry final: " + model + " is missing"));
    try (var files = Files.list(run.dir().resolve("models"))) {
      assertEquals(List.of("final.json", "registry.json", "registry.parquet"),
          files.map(p -> p.getFileName().toString()).sorted().toList(), "the selector writes nothing");
    }
    JobRuns.Outcome fromMissing = JobRuns.run(tmp.resolve("from-missing"), with(SEARCH,
        "search.baseModel=" + dir + "#final"));
    assertEquals(2, fromMissing.exitCode());
    assertTrue(fromMissing.err().contains("search.baseModel = " + dir + "#final: registry entry final: " + model
        + " is missing"), fromMissing.err());
    JobRuns.Outcome unknownId = JobRuns.run(tmp.resolve("from-unknown"), with(SEARCH,
        "search.baseModel=" + dir + "#iteration-9"));
    assertEquals(2, unknownId.exitCode());
    assertTrue(unknownId.err().contains("the registry has no model 'iteration-9' (it has: final)"), unknownId.err());
  }

  private static JsonNode select(String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = io.fednas.registry.SelectModel.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
  }

  /** The message of a selection that must fail with exit 2 and print nothing on stdout. */
  private static String refused(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = io.fednas.registry.SelectModel.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code, out.toString(StandardCharsets.UTF_8));
    assertFalse(out.size() > 0, "nothing on stdout");
    return err.toString(StandardCharsets.UTF_8);
  }

  private static List<String> with(List<String> base, String... more) {
    List<String> out = new ArrayList<>(base);
    out.addAll(List.of(more));
    return out;
  }

  /** Test accuracy computed here, outside Spark: the model's argmax against the labels. */
  private static double accuracy(Dl4jBackend backend, ModelState m, ImageSet test) {
    TrainableNetwork net = backend.network(m.arch(), 0.01, 0);
    net.setWeights(m.weights());
    int correct = 0;
    int classes = test.numClasses();
    for (int start = 0; start < test.size(); start += 100) {
      int n = Math.min(100, test.size() - start);
      int[] idx = java.util.stream.IntStream.range(start, start + n).toArray();
      float[] p = net.predict(test.pixelsAsFloats(idx), n);
      int[] labels = test.labelsOf(idx);
      for (int i = 0; i < n; i++) {
        int arg = 0;
        for (int c = 1; c < classes; c++) {
          if (p[i * classes + c] > p[i * classes + arg]) {
            arg = c;
          }
        }
        correct += arg == labels[i] ? 1 : 0;
      }
    }
    return (double) correct / test.size();
  }
}
