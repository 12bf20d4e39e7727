package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.Dense;
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
          new MaxPool(2, 2), new Dense(9), new Dense(7))));

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
      for (ParameterLayout.Block b : ParameterLayout.of(a).blocks()) {
        INDArray w = net.getParam(b.layer() + "_W");
        INDArray bias = net.getParam(b.layer() + "_b");
        for (int o = 0; o < b.outputs(); o++) {
          assertEquals(bias.getFloat(o), flat[b.biasOffset() + o], a.name() + " layer " + b.layer() + " bias " + o);
          for (int i = 0; i < b.inputs(); i++) {
            for (int k = 0; k < b.kernelArea(); k++) {
              int side = (int) Math.round(Math.sqrt(b.kernelArea()));
              // conv W is [out, in, kH, kW]; dense W is [in, out]
              float dl4j = w.rank() == 4 ? w.getFloat(new long[] {o, i, k / side, k % side}) : w.getFloat(i, o);
              assertEquals(dl4j, flat[b.weightOffset() + (o * b.inputs() + i) * b.kernelArea() + k],
                  a.name() + " layer " + b.layer() + " weight " + o + "," + i + "," + k);
            }
          }
        }
      }
    }
  }
}
