package io.fednas.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.ConvBn;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.DepthwiseBn;
import io.fednas.model.LayerSpec.GlobalAvgPool;
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
  void mobileLayersCountAsComputedByHand() {
    Architecture a = new Architecture("m", 1, 8, 8, 3, List.of(
        new ConvBn(4, 3, 1),     // 8x8: 9*1*4 weights + 4*4 batch norm
        new DepthwiseBn(3, 2),   // ceil(8/2) = 4x4: 9*4 weights + 4*4 batch norm
        new ConvBn(6, 1, 1),     // 4x4: 4*6 weights + 4*6 batch norm
        new GlobalAvgPool()));   // 6 features
    List<LayerCost> c = ResourceCounter.perLayer(a);
    assertEquals(new LayerCost("0:convbn3x3x4", 4, 8, 8, 52, 4_608), c.get(0));   // 2*9*1*4*64 FLOPs
    assertEquals(new LayerCost("1:depthwise3x3/2", 4, 4, 4, 52, 1_152), c.get(1)); // 2*9*4*16
    assertEquals(new LayerCost("2:convbn1x1x6", 6, 4, 4, 48, 768), c.get(2));     // 2*4*6*16
    assertEquals(new LayerCost("3:gap", 6, 1, 1, 0, 96), c.get(3));               // 6*16 additions
    assertEquals(new LayerCost("4:output", 3, 1, 1, 21, 36), c.get(4));
    assertEquals(173, ResourceCounter.params(a));
    assertEquals(6_660, ResourceCounter.forwardFlops(a));
    assertEquals(List.of(0, 2), a.prunableLayers(), "a depthwise layer is never a candidate");
    assertEquals("b4-dw2-b6-g", a.describe());
  }

  @Test
  void theMobileNetHasTenPrunableLayersAndScalesWithItsWidthMultiplier() {
    Architecture m = Architectures.byName("mobilenet-28", 1, 28, 28, 10);
    assertEquals(10, m.prunableLayers().size());
    Architecture half = Architectures.byName("mobilenet-28", 0.5, 1, 28, 28, 10);
    assertEquals(8, half.width(0));
    assertEquals(128, half.width(m.layers().size() - 2));
    double ratio = (double) ResourceCounter.forwardFlops(half) / ResourceCounter.forwardFlops(m);
    assertTrue(ratio > 0.25 && ratio < 0.4, "pointwise FLOPs scale with alpha squared: " + ratio);
  }

  @Test
  void aNetworkDeeperThanItsInputAllowsIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Architectures.byName("mobilenet-28", 1, 4, 4, 10));
    assertTrue(e.getMessage().contains("too deep for its input size"), e.getMessage());
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
