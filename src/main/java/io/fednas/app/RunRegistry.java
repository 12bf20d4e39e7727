package io.fednas.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fednas.FedNasException;
import io.fednas.checkpoint.RunState;
import io.fednas.config.FedNasConfig;
import io.fednas.cost.CostLedger;
import io.fednas.cost.DeviceProfile;
import io.fednas.federated.ModelState;
import io.fednas.federated.RoundMetrics;
import io.fednas.model.NetworkBackend;
import io.fednas.model.ResourceCounter;
import io.fednas.registry.DeploymentSelector;
import io.fednas.registry.DeviceLimits;
import io.fednas.registry.ModelRegistry;
import io.fednas.registry.RegistryEntry;
import io.fednas.report.Json;
import io.fednas.report.RunDirectory;
import io.fednas.search.CurvePoint;
import io.fednas.search.IterationRecord;
import io.fednas.search.SearchLoop;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * A completed run's models in the registry: the base model, each iteration's choice and the final
 * fine-tuned model of a search (the final model alone for FedAvg), each saved, measured once on the
 * test set, and placed on every device profile; then the deployment choice for each profile.
 */
final class RunRegistry {
  private final FedNasConfig cfg;
  private final NetworkBackend backend;
  private final Path devicesDir;

  RunRegistry(FedNasConfig cfg, NetworkBackend backend) {
    this.cfg = cfg;
    this.backend = backend;
    this.devicesDir = Path.of(cfg.search().devicesDir());
  }

  /**
   * How a model is measured once for its entry (on the run's validation clients, and on the test
   * set), and how a point other than the final one is fine-tuned first (search.fineTuneEach rounds).
   */
  record Evaluators(ToDoubleFunction<ModelState> validation, ToDoubleFunction<ModelState> test,
      UnaryOperator<ModelState> fineTune) {}

  /** Saves every point of {@code done}'s curve with its entry. */
  List<RegistryEntry> register(RunDirectory dir, RunState done, CostLedger ledger, Evaluators measure,
      ObjectNode provenance) {
    CostLedger.Totals atEnd = ledger.totals(); // what the final model cost, before any point's own rounds
    int each = cfg.search().fineTuneEach();
    String ownRounds = each == 0 ? "" : ", then " + each + " FedAvg rounds of its own (search.fineTuneEach)";
    RunDirectory models = ModelRegistry.folder(dir);
    List<DeviceProfile> profiles = profileNames().stream()
        .map(n -> DeviceProfile.load(devicesDir, n)).toList();
    List<RegistryEntry> entries = new ArrayList<>();
    SearchLoop.Result searched = done.searched();
    String parent = null;
    if (searched != null) {
      for (int i = 0; i < searched.curve().size(); i++) {
        IterationRecord r = searched.curve().get(i);
        CurvePoint p = searched.points().get(i);
        String id = i == 0 ? "base" : "iteration-" + i;
        String trained = i > 0 ? "short-term: " + r.shortTermRounds() + " rounds after its cut"
            : cfg.search().baseModel().isEmpty() ? "base model: " + done.baseRounds() + " FedAvg rounds"
            : "none here: loaded from " + cfg.search().baseModel();
        String fineTune = trained + (each == 0 && i > 0 ? ", none of its own" : ownRounds);
        String from = i == 0 ? (cfg.search().baseModel().isEmpty() ? null : cfg.search().baseModel()) : parent;
        ModelState model = each == 0 ? p.model() : measure.fineTune().apply(p.model());
        entries.add(entry(models, profiles, id, from, r.chosenLayer(), r.chosenWidth(), fineTune, p.round(), model,
            r.validationAccuracy(), measure, r.cumTrainFlops(), r.cumBytes(), r.cumClientTrainings()));
        parent = id;
      }
    }
    RoundMetrics last = done.metrics().get(done.metrics().size() - 1);
    String fineTune = searched == null ? cfg.mode().key() + ": " + last.round() + " rounds"
        : searched.privacySpent() ? "none: the privacy budget was spent in the search"
        : "long-term: " + cfg.search().longTermRounds() + " FedAvg rounds";
    entries.add(entry(models, profiles, "final", parent, -1, -1, fineTune, done.lastRound(), done.model(), null,
        measure, atEnd.trainFlops(), atEnd.bytesDown() + atEnd.bytesUp(), atEnd.clientTrainings()));
    ModelRegistry.write(models, provenance, entries);
    return entries;
  }

  private RegistryEntry entry(RunDirectory models, List<DeviceProfile> profiles, String id, String parent,
      int layer, int width, String fineTune, int round, ModelState model, Double searchScore, Evaluators measure,
      long trainFlops, long bytes, long trainings) {
    String[] sums = ModelRegistry.saveModel(models, backend, id, model);
    Map<String, Double> latency = new LinkedHashMap<>();
    profiles.forEach(p -> latency.put(p.name(), p.latencySeconds(model.arch()) * 1000));
    return new RegistryEntry(id, parent, layer, width, fineTune, round, model.arch().describe(),
        ResourceCounter.params(model.arch()), ResourceCounter.forwardFlops(model.arch()), latency,
        nullIfNaN(measure.validation().applyAsDouble(model)), searchScore, measure.test().applyAsDouble(model),
        trainFlops, bytes, trainings, id + ".zip", id + ".json", sums[0], sums[1]);
  }

  private static Double nullIfNaN(double v) {
    return Double.isNaN(v) ? null : v;
  }

  /**
   * The profiles in search.devicesDir, without the run's own config file: in cluster mode the submit
   * script ships both to the driver's working directory.
   */
  private List<String> profileNames() {
    Path config = cfg.source() == null ? null : cfg.source().toAbsolutePath().normalize();
    return DeviceProfile.names(devicesDir).stream()
        .filter(n -> !devicesDir.resolve(n + ".conf").toAbsolutePath().normalize().equals(config)).toList();
  }

  /**
   * summary.json's {@code deployment}: for each device profile, the model the selector picks within
   * the profile's limits, or why none fits.
   */
  ObjectNode deployment(List<RegistryEntry> entries) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    for (String name : profileNames()) {
      ObjectNode d = out.putObject(name);
      DeviceLimits limits = DeviceLimits.of(devicesDir.resolve(name + ".conf"));
      d.put("limits", limits.describe());
      try {
        DeploymentSelector.Choice c = DeploymentSelector.choose(entries, e -> e.latencyMs().get(name), limits, name);
        d.put("model", c.entry().id());
        d.put("architecture", c.entry().architecture());
        d.put("validation_accuracy", c.entry().validationAccuracy());
        d.put("test_accuracy", c.entry().testAccuracy());
        d.put("latency_ms", c.latencyMs());
      } catch (FedNasException e) {
        d.put("error", e.getMessage());
      }
    }
    return out;
  }
}
