package io.fednas.dl4j;

import static io.fednas.dl4j.SameBits.assertSameBits;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link BatchNormLayer} against DL4J's batch-norm layer with the same {@link BatchNormKernel}: the
 * same input gradient and the same gradients of gamma, beta and the running mean and variance, bit for
 * bit, over two training steps (the running statistics move between them).
 */
class BatchNormLayerTest {

  static final int C = 6;

  static NeuralNetConfiguration conf() {
    return new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
        .layer(new BatchNormalization.Builder().nIn(C).nOut(C).useLogStd(false).build()).build();
  }

  /** A layer over its own copy of {@code params}, with a gradient view and the kernel. */
  static Layer setUp(Layer layer, NeuralNetConfiguration conf, INDArray params) throws Exception {
    return TestLayers.setUp(layer, conf, params, org.deeplearning4j.nn.layers.normalization.BatchNormalization.class,
        new BatchNormKernel());
  }

  @Test
  void gradientsAreDl4jsBitForBit() throws Exception {
    NeuralNetConfiguration conf = conf();
    long n = conf.getLayer().initializer().numParams(conf);
    Nd4j.getRandom().setSeed(9);
    INDArray params = Nd4j.rand(DataType.FLOAT, 1, n).addi(0.5f); // gamma, beta, mean, var: variance positive
    Layer dl4j = setUp(new org.deeplearning4j.nn.layers.normalization.BatchNormalization(conf, DataType.FLOAT), conf, params);
    Layer ours = setUp(new BatchNormLayer(conf(), DataType.FLOAT), conf, params);
    LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
    for (int step = 0; step < 2; step++) {
      INDArray x = Nd4j.randn(DataType.FLOAT, 4, C, 5, 5).muli(3).addi(1);
      INDArray eps = Nd4j.randn(DataType.FLOAT, 4, C, 5, 5);
      Pair<Gradient, INDArray> want = run(dl4j, x, eps, noWorkspaces);
      Pair<Gradient, INDArray> got = run(ours, x, eps, noWorkspaces);
      assertSameBits(want.getSecond(), got.getSecond(), "input gradient, step " + step);
      for (String p : new String[] {"gamma", "beta", "mean", "var"}) {
        assertSameBits(want.getFirst().getGradientFor(p), got.getFirst().getGradientFor(p), p + " gradient, step " + step);
      }
      // the running statistics move as an update would move them: the next step starts elsewhere
      for (Layer l : new Layer[] {dl4j, ours}) {
        l.params().subi(l.getGradientsViewArray());
      }
    }
  }

  private static Pair<Gradient, INDArray> run(Layer layer, INDArray x, INDArray eps, LayerWorkspaceMgr mgr) {
    layer.setInput(x.dup(), mgr);
    layer.activate(true, mgr);
    return layer.backpropGradient(eps.dup(), mgr);
  }
}
