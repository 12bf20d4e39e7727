package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.model.Architectures;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link FlatGradientUpdater} runs the update in Java (on these networks: SGD or Nesterov momentum, no
 * regularization) where DL4J would take its "external gradient" path: training must give
 * bit-identical weights and updater state to DL4J's own updater, with Nesterov
 * momentum and plain SGD, on a network of one updater block (LeNet) and one of dozens (a MobileNet,
 * whose batch-norm statistics are not trained by the updater).
 */
class FlatGradientUpdaterTest {

  @Test
  void trainsExactlyAsDl4jsOwnUpdater() {
    for (String arch : new String[] {"lenet", "mobilenet-28"}) {
      for (double momentum : new double[] {0.9, 0}) {
        MultiLayerNetwork flat = NetworkBuilder.build(Architectures.byName(arch, 0.25, 1, 28, 28, 10), 5, 0.05, momentum);
        MultiLayerNetwork own = NetworkBuilder.build(Architectures.byName(arch, 0.25, 1, 28, 28, 10), 5, 0.05, momentum);
        assertInstanceOf(FlatGradientUpdater.class, flat.getUpdater());
        own.setUpdater(new MultiLayerUpdater(own));
        Nd4j.getRandom().setSeed(8);
        for (int step = 0; step < 4; step++) {
          INDArray x = Nd4j.rand(DataType.FLOAT, 6, 784);
          INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 10);
          for (int i = 0; i < 6; i++) {
            y.putScalar(i, (i + step) % 10, 1f);
          }
          flat.fit(new DataSet(x, y));
          own.fit(new DataSet(x, y));
        }
        String what = arch + " momentum " + momentum;
        assertTrue(((FlatGradientUpdater) flat.getUpdater()).lastInJava(), what + ": the update ran in Java");
        assertArrayEquals(own.params().toFloatVector(), flat.params().toFloatVector(), what + ": weights");
        if (momentum > 0) {
          assertArrayEquals(own.getUpdater().getStateViewArray().toFloatVector(),
              flat.getUpdater().getStateViewArray().toFloatVector(), what + ": momentum");
        }
      }
    }
  }
}
