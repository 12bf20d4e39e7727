package io.fednas.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.FedNasException;
import io.fednas.federated.ModelState;
import io.fednas.model.Architecture;
import io.fednas.model.NetworkBackend;
import io.fednas.model.ResourceCounter;
import io.fednas.report.Checksums;
import io.fednas.report.RunDirectory;
import io.fednas.report.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * {@code models/registry.json} of a run directory:
 * {@code {"format": "fednas-registry", "version": 1, "run": {...}, "models": [...]}}, each model's
 * weights in {@code models/ID.zip} and its architecture in {@code models/ID.json}, both recorded
 * with their SHA-256 and checked before a model is used (docs/REGISTRY.md).
 */
public final class ModelRegistry {
  public static final String DIR = "models";
  public static final String FILE = "registry.json";
  static final String FORMAT = "fednas-registry";
  static final int VERSION = 1;
  static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** A registry as read: the run it came from (provenance) and its models. */
  public record Registry(Path runDir, JsonNode run, List<RegistryEntry> models) {
    public RegistryEntry entry(String id) {
      return models.stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow(() -> new FedNasException(
          runDir + "#" + id + ": the registry has no model '" + id + "' (it has: "
              + String.join(", ", models.stream().map(RegistryEntry::id).toList()) + ")"));
    }
  }

  private ModelRegistry() {}

  /** The folder models go to, created if missing. */
  public static RunDirectory folder(RunDirectory run) {
    return RunDirectory.existing(run.resolve(DIR));
  }

  /**
   * Saves one model's weights and architecture under {@code models/}; returns their SHA-256s
   * (model file, architecture file) for its entry.
   */
  public static String[] saveModel(RunDirectory models, NetworkBackend backend, String id, ModelState model) {
    Path zip = models.resolve(id + ".zip");
    Path tmp = models.resolve("." + id + ".zip.tmp");
    try {
      backend.save(model.arch(), model.weights(), tmp);
      RunDirectory.moveIntoPlace(tmp, zip);
    } catch (IOException e) {
      throw new FedNasException("cannot write " + zip + ": " + e.getMessage(), e);
    }
    models.writeString(id + ".json", model.arch().toJson());
    return new String[] {Checksums.sha256(zip), Checksums.sha256(models.resolve(id + ".json"))};
  }

  /** Writes registry.json (last, so a registry that is there is complete). */
  public static void write(RunDirectory models, ObjectNode run, List<RegistryEntry> entries) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("format", FORMAT);
    doc.put("version", VERSION);
    doc.set("run", run);
    doc.set("models", JSON.valueToTree(entries));
    try {
      models.writeString(FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    } catch (IOException e) {
      throw new FedNasException("cannot write " + models.resolve(FILE) + ": " + e.getMessage(), e);
    }
  }

  /**
   * registry.parquet beside registry.json: one row per model, for Spark SQL and the Zeppelin note,
   * with the columns of {@link RegistryEntry} in snake_case (docs/OUTPUTS.md).
   */
  public static void writeParquet(SparkSession spark, RunDirectory models, List<RegistryEntry> entries) {
    Table.ofRecords("registry", RegistryEntry.class, entries).writeParquet(spark, models.resolve("registry.parquet"));
  }

  /** Reads a run directory's registry; a missing, foreign or unreadable one is an error that names it. */
  public static Registry read(Path runDir) {
    Path file = runDir.resolve(DIR).resolve(FILE);
    if (!Files.isDirectory(runDir)) {
      throw new FedNasException(runDir + ": no such run directory");
    }
    if (!Files.isRegularFile(file)) {
      throw new FedNasException(runDir + " has no model registry: " + file + " does not exist (the run did not "
          + "complete, or a FedNAS-Spark without the registry made it)");
    }
    try {
      JsonNode doc = JSON.readTree(file.toFile());
      if (!FORMAT.equals(doc.path("format").asText()) || doc.path("version").asInt() != VERSION) {
        throw new FedNasException(file + " is not a model registry of format " + FORMAT + " version " + VERSION);
      }
      List<RegistryEntry> models = new ArrayList<>();
      for (JsonNode m : doc.path("models")) {
        models.add(JSON.treeToValue(m, RegistryEntry.class));
      }
      return new Registry(runDir, doc.path("run"), List.copyOf(models));
    } catch (IOException | IllegalArgumentException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new FedNasException("cannot read " + file + ": " + why.lines().findFirst().orElse(why), e);
    }
  }

  /** Checks an entry's files against the checksums recorded with them; an error names the file. */
  public static void verify(Registry r, RegistryEntry e) {
    check(r, e, e.modelFile(), e.modelSha256());
    check(r, e, e.architectureFile(), e.architectureSha256());
  }

  private static void check(Registry r, RegistryEntry e, String name, String expected) {
    Path file = r.runDir().resolve(DIR).resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new FedNasException("registry entry " + e.id() + ": " + file + " is missing");
    }
    String actual = Checksums.sha256(file);
    if (!actual.equals(expected)) {
      throw new FedNasException("registry entry " + e.id() + ": " + file + " is damaged or was changed: its SHA-256 "
          + "is " + actual + ", not the " + expected + " recorded in " + FILE);
    }
  }

  /** An entry's architecture, from its (verified) file. */
  public static Architecture architecture(Registry r, RegistryEntry e) {
    try {
      return Architecture.fromJson(Files.readString(r.runDir().resolve(DIR).resolve(e.architectureFile())));
    } catch (IOException | RuntimeException ex) {
      throw new FedNasException("registry entry " + e.id() + ": cannot read its architecture: " + ex.getMessage(), ex);
    }
  }

  /** An entry's model, its files verified first. */
  public static ModelState load(NetworkBackend backend, Registry r, RegistryEntry e) {
    verify(r, e);
    Architecture arch = architecture(r, e);
    float[] weights;
    try {
      weights = backend.load(r.runDir().resolve(DIR).resolve(e.modelFile()));
    } catch (IOException | RuntimeException ex) {
      throw new FedNasException("registry entry " + e.id() + ": cannot read its model: " + ex.getMessage(), ex);
    }
    if (weights.length != ResourceCounter.params(arch)) {
      throw new FedNasException("registry entry " + e.id() + ": " + e.modelFile() + " holds " + weights.length
          + " parameters but its architecture has " + ResourceCounter.params(arch));
    }
    return new ModelState(arch, weights);
  }
}
