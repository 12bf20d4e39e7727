package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.ConvBn;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.DepthwiseBn;
import io.fednas.model.LayerSpec.GlobalAvgPool;
import io.fednas.model.LayerSpec.MaxPool;
import io.fednas.model.ParameterLayout;
import io.fednas.model.ResourceCounter;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine's flat parameter layout, which weight surgery slices without building a network, is
 * DL4J's: every weight and bias DL4J's layers read is where {@link ParameterLayout} says it is.
 * Fails loudly if a DL4J version lays its parameters out otherwise.
 */
class ParameterLayoutTest {
  private static final List<Architecture> ARCHS = List.of(
      Architectures.byName("lenet", 1, 28, 28, 10),
      Architectures.byName("mcmahan-cnn", 1, 28, 28, 10),
      Architectures.byName("vgg-small", 1, 28, 28, 10),
      Architectures.byName("vgg-small", 3, 32, 32, 10),
      new Architecture("t", 2, 12, 12, 5, List.of(new Conv(8, 3, 1, true), new Conv(6, 3, 2, false),
          new MaxPool(2, 2), new Dense(9), new Dense(7))),
      Architectures.byName("mobilenet-28", 0.25, 1, 28, 28, 10),
      new Architecture("m", 3, 9, 9, 4, List.of(new ConvBn(6, 3, 2), new DepthwiseBn(3, 1), new ConvBn(5, 1, 1),
          new DepthwiseBn(3, 2), new ConvBn(4, 1, 1), new GlobalAvgPool())));

  @Test
  void dl4jNetworksHaveExactlyTheCountedParameters() {
    for (Architecture a : ARCHS) {
      MultiLayerNetwork net = NetworkBuilder.build(a, 1, 0.1, 0);
      assertEquals(ResourceCounter.params(a), net.numParams(), a.name());
      assertEquals(ResourceCounter.params(a), ParameterLayout.of(a).size(), a.name());
    }
  }

  @Test
  void everyWeightAndBiasIsWhereTheLayoutSays() {
    for (Architecture a : ARCHS) {
      MultiLayerNetwork net = NetworkBuilder.build(a, 1, 0.1, 0);
      Nd4j.getRandom().setSeed(3);
      net.params().assign(Nd4j.rand(DataType.FLOAT, 1, net.numParams()));
      float[] flat = net.params().toFloatVector();
      int[] first = NetworkBuilder.firstDl4jLayers(a);
      for (ParameterLayout.Tensor t : ParameterLayout.of(a).tensors()) {
        boolean batchNorm = !t.name().equals("W") && !t.name().equals("b");
        INDArray dl4j = net.getParam((first[t.layer()] + (batchNorm ? 1 : 0)) + "_" + t.name());
        String where = a.name() + " layer " + t.layer() + " " + t.name();
        assertEquals(t.size(), dl4j.length(), where);
        boolean dense = t.name().equals("W") && t.shape().length == 2;
        if (dense) { // DL4J's dense W is [inputs, units]; the layout's is [units][inputs]
          for (int o = 0; o < t.shape()[0]; o++) {
            for (int i = 0; i < t.shape()[1]; i++) {
              assertEquals(dl4j.getFloat(i, o), flat[t.offset() + o * t.shape()[1] + i], where + " " + o + "," + i);
            }
          }
        } else {
          assertArrayEquals(java.util.Arrays.stream(t.shape()).asLongStream().toArray(),
              dl4j.rank() == 2 && t.shape().length == 1 ? new long[] {dl4j.length()} : dl4j.shape(), where);
          float[] values = dl4j.dup('c').reshape('c', new long[] {dl4j.length()}).toFloatVector();
          for (int k = 0; k < values.length; k++) {
            assertEquals(values[k], flat[t.offset() + k], where + " element " + k);
          }
        }
      }
    }
  }
}
