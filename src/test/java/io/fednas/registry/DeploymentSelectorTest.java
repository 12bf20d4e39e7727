package io.fednas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The deployment choice on scripted registries: the best that fits, ties, one fits, none fits. */
class DeploymentSelectorTest {
  private static RegistryEntry model(String id, Double validation, long flops, long params, double latencyMs) {
    return new RegistryEntry(id, null, -1, -1, "", 0, id, params, flops, Map.of("dev", latencyMs), validation, null,
        0.5, 0, 0, 0, id + ".zip", id + ".json", "", "");
  }

  private static String choose(List<RegistryEntry> entries, DeviceLimits limits) {
    return DeploymentSelector.choose(entries, e -> e.latencyMs().get("dev"), limits, "dev").entry().id();
  }

  private static final List<RegistryEntry> CURVE = List.of(
      model("base", 0.97, 4_000_000, 400_000, 8.0),
      model("iteration-1", 0.96, 3_000_000, 300_000, 6.0),
      model("iteration-2", 0.93, 2_000_000, 200_000, 4.0),
      model("final", 0.975, 2_000_000, 200_000, 4.0));

  @Test
  void theMostAccurateModelWithinTheLimitsIsChosen() {
    assertEquals("final", choose(CURVE, DeviceLimits.NONE));
    assertEquals("final", choose(CURVE, new DeviceLimits(4.0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY)));
    // only the base is over: it would win on accuracy, but it does not fit
    List<RegistryEntry> baseBest = List.of(model("base", 0.99, 4_000_000, 400_000, 8.0), CURVE.get(1), CURVE.get(2));
    assertEquals("iteration-1", choose(baseBest, new DeviceLimits(7.0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY)));
    assertEquals("iteration-2", choose(baseBest, new DeviceLimits(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
        250_000)));
  }

  @Test
  void tiesGoToFewerFlopsThenFewerParametersThenTheId() {
    List<RegistryEntry> tied = List.of(model("b", 0.9, 3_000, 10, 1), model("a", 0.9, 2_000, 20, 1),
        model("c", 0.9, 2_000, 15, 1), model("d", 0.9, 2_000, 15, 1));
    assertEquals("c", choose(tied, DeviceLimits.NONE));
    // a model without a validation accuracy ranks below any with one, and among such, by FLOPs
    List<RegistryEntry> unmeasured = List.of(model("x", null, 1_000, 1, 1), model("y", 0.1, 9_000, 9, 1),
        model("z", null, 500, 1, 1));
    assertEquals("y", choose(unmeasured, DeviceLimits.NONE));
    assertEquals("z", choose(List.of(unmeasured.get(0), unmeasured.get(2)), DeviceLimits.NONE));
  }

  @Test
  void exactlyOneFitsOrNoneAndTheErrorNamesTheClosest() {
    DeviceLimits one = new DeviceLimits(Double.POSITIVE_INFINITY, 2_500_000, Double.POSITIVE_INFINITY);
    assertEquals("final", choose(List.of(CURVE.get(0), CURVE.get(1), CURVE.get(3)), one));
    DeploymentSelector.NothingFits e = assertThrows(DeploymentSelector.NothingFits.class,
        () -> choose(CURVE, new DeviceLimits(1.0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY)));
    assertTrue(e.getMessage().startsWith("no registered model meets dev's limits (latency <= 1 ms): the closest is "
        + "iteration-2 (iteration-2: 4.000 ms, 2,000,000 FLOPs, 200,000 parameters), 4.00x over"), e.getMessage());
    assertTrue(assertThrows(DeploymentSelector.NothingFits.class, () -> choose(List.of(), DeviceLimits.NONE))
        .getMessage().contains("holds no models"));
  }
}
