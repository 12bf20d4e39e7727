package io.fednas.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.MaxPool;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceCounterTest {
  @Test
  void paperParameterCounts() {
    assertEquals(431_080, ResourceCounter.params(Architectures.byName("lenet", 1, 28, 28, 10)));
    assertEquals(1_663_370, ResourceCounter.params(Architectures.byName("mcmahan-cnn", 1, 28, 28, 10)));
  }

  @Test
  void perLayerCountsMatchHandComputedValues() {
    Architecture a = new Architecture("t", 3, 10, 10, 4, List.of(
        new Conv(8, 3, 1, false),   // 8x8 out
        new Conv(6, 3, 2, true),    // ceil(8/2) = 4x4 out
        new MaxPool(2, 2),          // 2x2 out
        new Dense(5)));
    List<LayerCost> c = ResourceCounter.perLayer(a);
    assertEquals(new LayerCost("0:conv3x3x8", 8, 8, 8, 3 * 3 * 3 * 8 + 8, 2L * 3 * 3 * 3 * 8 * 8 * 8), c.get(0));
    assertEquals(new LayerCost("1:conv3x3x6", 6, 4, 4, 3 * 3 * 8 * 6 + 6, 2L * 3 * 3 * 8 * 6 * 4 * 4), c.get(1));
    assertEquals(new LayerCost("2:maxpool2", 6, 2, 2, 0, 2 * 2 * 6 * 2 * 2), c.get(2));
    assertEquals(new LayerCost("3:dense5", 5, 1, 1, 24 * 5 + 5, 2 * 24 * 5), c.get(3));
    assertEquals(new LayerCost("4:output", 4, 1, 1, 5 * 4 + 4, 2 * 5 * 4), c.get(4));
    assertEquals(c.stream().mapToLong(LayerCost::params).sum(), ResourceCounter.params(a));
  }

  @Test
  void jsonRoundTripAndShapeErrors() {
    Architecture a = Architectures.byName("mcmahan-cnn", 1, 28, 28, 10);
    assertEquals(a, Architecture.fromJson(a.toJson()));
    assertThrows(IllegalArgumentException.class,
        () -> new Architecture("bad", 1, 4, 4, 10, List.of(new Conv(2, 5, 1, false))));
    assertThrows(IllegalArgumentException.class,
        () -> new Architecture("bad", 1, 8, 8, 10, List.of(new Dense(3), new Conv(2, 3, 1, true))));
  }
}
