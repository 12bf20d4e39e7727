package io.fednas.dl4j;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Layers set up outside a network, as the layer tests compare them. */
final class TestLayers {
  private TestLayers() {}

  /**
   * {@code layer} over its own copy of {@code params}, with a gradient view, and {@code helper} in the
   * {@code helper} field that {@code helperOwner} (a DL4J layer class) declares.
   */
  static Layer setUp(Layer layer, NeuralNetConfiguration conf, INDArray params, Class<?> helperOwner, Object helper)
      throws Exception {
    INDArray own = params.dup();
    layer.setParamsViewArray(own);
    layer.setParamTable(conf.getLayer().initializer().init(conf, own, false));
    layer.setBackpropGradientsViewArray(Nd4j.zeros(DataType.FLOAT, own.shape()));
    Field field = helperOwner.getDeclaredField("helper");
    field.setAccessible(true);
    field.set(layer, helper);
    return layer;
  }
}
