package io.fednas.app;

import io.fednas.FedNasException;
import io.fednas.config.FedNasConfig;
import io.fednas.config.PrivacyConfig;
import io.fednas.cost.DeviceProfile;
import io.fednas.cost.ResourceMetric;
import io.fednas.data.ClientPlan;
import io.fednas.data.Dataset;
import io.fednas.federated.DatasetCache;
import io.fednas.federated.ModelState;
import io.fednas.fleet.Fleet;
import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import io.fednas.model.NetworkBackend;
import io.fednas.predictor.PredictorHistory;
import io.fednas.privacy.PrivacyBudget;
import io.fednas.search.SearchPolicies;
import java.nio.file.Path;

/**
 * Everything a run derives from its config before Spark starts, so that bad input fails first:
 * the data and its partition into clients, the architecture (or a previous run's model to search
 * from), the simulated fleet, and for a search its policies with a budget checked to be reachable.
 *
 * @param loadedBase a previous run's model to search from (search.baseModel), or null
 * @param policies the search's policies, or null for FedAvg
 * @param privacy a private run's epsilon per round and target, or null
 */
record RunSetup(FedNasConfig cfg, Dataset data, Architecture arch, ClientPlan plan, ModelState loadedBase, Fleet fleet,
    SearchPolicies policies, PrivacyBudget privacy) {

  static RunSetup prepare(FedNasConfig cfg, NetworkBackend backend) {
    Dataset data = DatasetCache.get(cfg.data());
    Architecture arch = architecture(cfg, data.train().channels(), data.train().height(), data.train().width(),
        data.numClasses());
    ClientPlan plan = ClientPlan.build(data.train(), cfg.data(), cfg.federated().clients(), cfg.seed());
    boolean searching = cfg.mode().searches();
    ModelState loadedBase = searching && !cfg.search().baseModel().isEmpty()
        ? PreviousRun.baseModel(backend, cfg.search().baseModel(), data) : null;
    if (loadedBase != null) {
      arch = loadedBase.arch();
    }
    Path devicesDir = Path.of(cfg.search().devicesDir());
    DeviceProfile device = searching ? DeviceProfile.load(devicesDir, cfg.search().device()) : null;
    int[] trainSizes = new int[plan.clients()];
    for (int c = 0; c < trainSizes.length; c++) {
      trainSizes[c] = plan.train()[c].length;
    }
    Fleet fleet = Fleet.of(cfg.simulation(), device, devicesDir, cfg.seed(), trainSizes, cfg.federated().localEpochs());
    SearchPolicies policies = null;
    if (searching) {
      if (cfg.data().validationFraction() == 0) {
        throw new FedNasException("mode " + cfg.mode().key() + " chooses candidates on validation data: "
            + "data.validationFraction must be > 0");
      }
      policies = SearchPolicies.of(cfg.search(), ResourceMetric.of(cfg.search().metric(), device));
      policies.checkedBudget(arch);
      PredictorHistory.check(cfg.search().predictor().history(), cfg.data().name(), arch);
    }
    return new RunSetup(cfg, data, arch, plan, loadedBase, fleet, policies, privacyBudget(cfg));
  }

  /** A private run's budget; a target the first round alone passes is an error before any training. */
  private static PrivacyBudget privacyBudget(FedNasConfig cfg) {
    PrivacyConfig p = cfg.privacy();
    if (!p.noisy()) {
      return null;
    }
    PrivacyBudget budget = new PrivacyBudget((double) cfg.federated().clientsPerRound() / cfg.federated().clients(),
        p.noiseMultiplier(), p.delta(), p.targetEpsilon());
    if (!budget.allows(1)) {
      throw new FedNasException(String.format(java.util.Locale.ROOT, "privacy.targetEpsilon = %s: the first round "
              + "alone spends epsilon %.4g (sampling rate %s = clientsPerRound / clients, noiseMultiplier %s, delta %s): "
              + "raise the target or the noise multiplier, or sample fewer clients per round", p.targetEpsilon(),
          budget.after(1).epsilon(), budget.samplingRate(), p.noiseMultiplier(), p.delta()));
    }
    return budget;
  }

  /** The config's built-in architecture for inputs of this shape; one that does not fit them is an error naming the keys. */
  static Architecture architecture(FedNasConfig cfg, int channels, int height, int width, int classes) {
    try {
      return Architectures.byName(cfg.arch(), cfg.widthMultiplier(), channels, height, width, classes);
    } catch (IllegalArgumentException e) {
      throw new FedNasException("model.arch = " + cfg.arch() + " (model.widthMultiplier = " + cfg.widthMultiplier()
          + ") does not fit " + cfg.data().name() + "'s " + channels + "x" + height + "x" + width + " inputs: "
          + e.getMessage());
    }
  }

  boolean searching() {
    return policies != null;
  }
}
