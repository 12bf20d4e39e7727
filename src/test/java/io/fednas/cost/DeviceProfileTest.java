package io.fednas.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.FedNasException;
import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import io.fednas.model.LayerCost;
import io.fednas.model.ResourceCounter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DeviceProfileTest {
  private static final Path DEVICES = Path.of("conf/devices");
  private final Architecture lenet = Architectures.byName("lenet", 1, 28, 28, 10);

  @Test
  void shippedProfilesLoadAndDiffer() {
    DeviceProfile low = DeviceProfile.load(DEVICES, "phone-low");
    DeviceProfile high = DeviceProfile.load(DEVICES, "phone-high");
    DeviceProfile silo = DeviceProfile.load(DEVICES, "edge-silo");
    assertTrue(low.latencySeconds(lenet) > high.latencySeconds(lenet));
    assertTrue(high.latencySeconds(lenet) > silo.latencySeconds(lenet));
  }

  @Test
  void latencyIsTheSumOfTheDerivedPerLayerTable() {
    DeviceProfile d = new DeviceProfile("t", 1e9, 0.001, 1e6, 1.0, 0.0);
    double expected = 0;
    for (LayerCost l : ResourceCounter.perLayer(lenet)) {
      expected += l.forwardFlops() / 1e9 + 0.001;
    }
    assertEquals(expected, d.latencySeconds(lenet), 1e-12);
    // LeNet: 4,600,720 FLOPs over 1 GFLOP/s plus 6 layers x 1 ms
    assertEquals(0.00460072 + 0.006, d.latencySeconds(lenet), 1e-12);
    assertEquals(3.0 + 2.0, d.trainingSeconds(3_000_000_000L, 1_000_000, 1_000_000), 1e-12);
    assertEquals(d.latencySeconds(lenet), new ResourceMetric.Latency(d).of(lenet), 0);
  }

  @Test
  void unknownOrInvalidProfilesAreRejected() {
    FedNasException e = assertThrows(FedNasException.class, () -> DeviceProfile.load(DEVICES, "toaster"));
    assertTrue(e.getMessage().contains("edge-silo, phone-high, phone-low"), e.getMessage());
    assertThrows(FedNasException.class, () -> new DeviceProfile("bad", 0, 0, 1, 1, 0));
    assertThrows(FedNasException.class, () -> new DeviceProfile("bad", 1, 0, 1, 1.5, 0));
  }
}
