package io.fednas.app;

import io.fednas.FedNasException;
import io.fednas.data.Dataset;
import io.fednas.federated.ModelState;
import io.fednas.model.Architecture;
import io.fednas.model.NetworkBackend;
import io.fednas.model.ResourceCounter;
import io.fednas.registry.ModelRegistry;
import io.fednas.report.Checksums;
import io.fednas.report.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A completed run's final model (model_architecture.json and model.zip), as the base model of a
 * search that does not train its own (search.baseModel). Checked against the dataset before any
 * training, and against the checksums its run recorded, so a damaged or changed file is refused.
 */
final class PreviousRun {
  static final String ARCHITECTURE_FILE = "model_architecture.json";
  /** What a later run reads back, so what SHA256SUMS covers. */
  static final List<String> MODEL_FILES = List.of("model.zip", ARCHITECTURE_FILE);

  private PreviousRun() {}

  /** Whether the run in {@code runDir} finished: its summary.json says completed (or budget_spent: it ended at its privacy target). */
  static boolean completed(Path runDir) {
    try {
      String status = Json.MAPPER.readTree(runDir.resolve("summary.json").toFile()).path("status").asText();
      return status.equals("completed") || status.equals("budget_spent");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * {@code search.baseModel}: a run directory (its final model) or {@code RUN_DIR#ID} (a model of
   * its registry), verified against its checksums and checked against the dataset.
   */
  static ModelState baseModel(NetworkBackend backend, String source, Dataset data) {
    ModelState model = source.contains("#") ? fromRegistry(backend, source) : finalModel(backend, source);
    Architecture arch = model.arch();
    if (arch.channels() != data.train().channels() || arch.height() != data.train().height()
        || arch.width() != data.train().width() || arch.numClasses() != data.numClasses()) {
      throw new FedNasException(String.format("search.baseModel = %s: its model takes %dx%dx%d inputs and %d classes, "
              + "but %s has %dx%dx%d and %d", source, arch.channels(), arch.height(), arch.width(), arch.numClasses(),
          data.name(), data.train().channels(), data.train().height(), data.train().width(), data.numClasses()));
    }
    return model;
  }

  private static ModelState fromRegistry(NetworkBackend backend, String source) {
    int hash = source.lastIndexOf('#');
    try {
      ModelRegistry.Registry registry = ModelRegistry.read(Path.of(source.substring(0, hash)));
      return ModelRegistry.load(backend, registry, registry.entry(source.substring(hash + 1)));
    } catch (FedNasException e) {
      throw new FedNasException("search.baseModel = " + source + ": " + e.getMessage(), e);
    }
  }

  private static ModelState finalModel(NetworkBackend backend, String runDir) {
    Path root = Path.of(runDir);
    Path archFile = root.resolve(ARCHITECTURE_FILE);
    Path model = root.resolve("model.zip");
    if (!Files.isRegularFile(archFile) || !Files.isRegularFile(model)) {
      throw new FedNasException("search.baseModel = " + runDir + ": not a completed run directory (needs "
          + ARCHITECTURE_FILE + " and model.zip; RUN_DIR#ID names a model of its registry)");
    }
    Checksums.verify(root, MODEL_FILES, "search.baseModel = " + runDir);
    Architecture arch;
    float[] weights;
    try {
      arch = Architecture.fromJson(Files.readString(archFile));
      weights = backend.load(model);
    } catch (IOException | RuntimeException e) {
      throw new FedNasException("search.baseModel = " + runDir + ": cannot read its model: " + e.getMessage());
    }
    if (weights.length != ResourceCounter.params(arch)) {
      throw new FedNasException("search.baseModel = " + runDir + ": model.zip holds " + weights.length
          + " parameters but " + ARCHITECTURE_FILE + " describes " + ResourceCounter.params(arch));
    }
    return new ModelState(arch, weights);
  }
}
