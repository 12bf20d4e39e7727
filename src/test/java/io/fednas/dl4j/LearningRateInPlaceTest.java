package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fednas.model.Architectures;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A cached network's learning rate set in place (a long-term schedule changes it every round) must
 * train exactly as a network built with that rate, in every layer: convolutions, depthwise, batch
 * norm and dense, with Nesterov momentum and with plain SGD.
 */
class LearningRateInPlaceTest {

  @Test
  void aRateSetInPlaceTrainsAsOneBuiltWithIt() {
    for (String arch : new String[] {"lenet", "mobilenet-28"}) {
      for (double momentum : new double[] {0.9, 0}) {
        String what = arch + " momentum " + momentum;
        float[] built = trainFourSteps(new Dl4jNetwork(build(arch, 0.02, momentum)));
        Dl4jNetwork reset = new Dl4jNetwork(build(arch, 0.1, momentum));
        reset.setLearningRate(0.02);
        assertArrayEquals(built, trainFourSteps(reset), what);
        // and the rate matters: the test could fail
        assertFalse(Arrays.equals(built, trainFourSteps(new Dl4jNetwork(build(arch, 0.1, momentum)))), what);
      }
    }
  }

  private static org.deeplearning4j.nn.multilayer.MultiLayerNetwork build(String arch, double lr, double momentum) {
    return NetworkBuilder.build(Architectures.byName(arch, 0.25, 1, 28, 28, 10), 5, lr, momentum);
  }

  private static float[] trainFourSteps(Dl4jNetwork net) {
    Nd4j.getRandom().setSeed(8);
    for (int step = 0; step < 4; step++) {
      INDArray x = Nd4j.rand(DataType.FLOAT, 6 * 784);
      float[] y = new float[6 * 10];
      for (int i = 0; i < 6; i++) {
        y[i * 10 + (i + step) % 10] = 1f;
      }
      net.fit(x.toFloatVector(), y, 6);
    }
    return net.weights();
  }
}
