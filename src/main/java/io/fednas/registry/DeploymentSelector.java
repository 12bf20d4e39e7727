package io.fednas.registry;

import io.fednas.FedNasException;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Picks the model to deploy on a device: the registered model with the highest validation accuracy
 * among those within the device's limits (ties, and models without one: fewer FLOPs, then fewer
 * parameters, then the id).
 * Test accuracy is reported with the choice, never used for it.
 */
public final class DeploymentSelector {
  /** A choice, with the chosen model's latency on the device. */
  public record Choice(RegistryEntry entry, double latencyMs) {}

  /** No model fits: the message names the closest one and by how much it is over. */
  public static final class NothingFits extends FedNasException {
    NothingFits(String message) {
      super(message);
    }
  }

  private DeploymentSelector() {}

  /** {@code latencyMs}: each entry's forward latency on the device. */
  public static Choice choose(List<RegistryEntry> entries, ToDoubleFunction<RegistryEntry> latencyMs,
      DeviceLimits limits, String device) {
    if (entries.isEmpty()) {
      throw new NothingFits("the registry holds no models");
    }
    Choice best = null;
    Choice closest = null;
    double closestExcess = Double.POSITIVE_INFINITY;
    for (RegistryEntry e : entries) {
      double latency = latencyMs.applyAsDouble(e);
      double excess = limits.excess(latency, e.flops(), e.params());
      if (excess <= 1) {
        if (best == null || better(e, best.entry())) {
          best = new Choice(e, latency);
        }
      } else if (excess < closestExcess) {
        closestExcess = excess;
        closest = new Choice(e, latency);
      }
    }
    if (best == null) {
      RegistryEntry c = closest.entry();
      throw new NothingFits(String.format(Locale.ROOT, "no registered model meets %s's limits (%s): the closest is "
              + "%s (%s: %.3f ms, %,d FLOPs, %,d parameters), %.2fx over", device, limits.describe(), c.id(),
          c.architecture(), closest.latencyMs(), c.flops(), c.params(), closestExcess));
    }
    return best;
  }

  private static boolean better(RegistryEntry a, RegistryEntry b) {
    double va = rank(a);
    double vb = rank(b);
    if (va != vb) {
      return va > vb;
    }
    if (a.flops() != b.flops()) {
      return a.flops() < b.flops();
    }
    if (a.params() != b.params()) {
      return a.params() < b.params();
    }
    return a.id().compareTo(b.id()) < 0;
  }

  /** Validation accuracy; a model without one (a run with no hold-outs) ranks below every other. */
  private static double rank(RegistryEntry e) {
    return e.validationAccuracy() == null ? Double.NEGATIVE_INFINITY : e.validationAccuracy();
  }
}
