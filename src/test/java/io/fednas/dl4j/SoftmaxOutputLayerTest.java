package io.fednas.dl4j;

import static io.fednas.dl4j.SameBits.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link SoftmaxOutputLayer} against DL4J's output layer (softmax, negative log-likelihood): dL/dx, the
 * weight and bias gradients and the loss agree up to float rounding, also where a probability falls
 * below the loss's clipping; a loss asked for without a backprop of the same input is DL4J's own, bit for bit.
 */
class SoftmaxOutputLayerTest {
  private static final int IN = 37; // not a multiple of the dot product's four running sums
  private static final int OUT = 10;
  private static final int BATCH = 6;
  private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspaces();

  private static NeuralNetConfiguration conf() {
    return new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
        .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
            .nIn(IN).nOut(OUT).activation(Activation.SOFTMAX).build())
        .build();
  }

  private static <L extends BaseLayer<?>> L withParams(L layer) {
    NeuralNetConfiguration conf = layer.conf();
    Nd4j.getRandom().setSeed(3);
    INDArray own = Nd4j.rand(DataType.FLOAT, 1, IN * OUT + OUT).subi(0.5f);
    own.putScalar(IN * OUT, 40f); // unit 0's bias: its probability is near 1, the others' below the clipping
    layer.setParamsViewArray(own);
    layer.setParamTable(conf.getLayer().initializer().init(conf, own, false));
    layer.setBackpropGradientsViewArray(Nd4j.zeros(DataType.FLOAT, own.shape()));
    return layer;
  }

  private static INDArray labels() {
    INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, OUT);
    for (int e = 0; e < BATCH; e++) {
      y.putScalar(e, (e * 3) % OUT, 1f); // example 0 labelled 0, the others not: their losses are clipped
    }
    return y;
  }

  private static void assertClose(INDArray want, INDArray got, String what) {
    float[] w = want.dup('c').data().asFloat();
    float[] g = got.dup('c').data().asFloat();
    assertEquals(w.length, g.length, what);
    for (int i = 0; i < w.length; i++) {
      assertEquals(w[i], g[i], 1e-5 * Math.max(1, Math.abs(w[i])), what + " at " + i);
    }
  }

  @Test
  void gradientsAndLossAreDl4jsUpToRounding() {
    OutputLayer dl4j = withParams(new OutputLayer(conf(), DataType.FLOAT));
    SoftmaxOutputLayer ours = withParams(new SoftmaxOutputLayer(conf(), DataType.FLOAT));
    Nd4j.getRandom().setSeed(4);
    INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, IN).subi(0.5f);
    for (OutputLayer layer : new OutputLayer[] {dl4j, ours}) {
      layer.setInput(x.dup(), NO_WORKSPACES);
      layer.setLabels(labels());
    }
    Pair<Gradient, INDArray> want = dl4j.backpropGradient(null, NO_WORKSPACES);
    Pair<Gradient, INDArray> got = ours.backpropGradient(null, NO_WORKSPACES);
    assertClose(want.getSecond(), got.getSecond(), "dL/dx");
    for (String key : new String[] {DefaultParamInitializer.WEIGHT_KEY, DefaultParamInitializer.BIAS_KEY}) {
      assertClose(want.getFirst().getGradientFor(key), got.getFirst().getGradientFor(key), "dL/d" + key);
    }
    double loss = dl4j.computeScore(0.25, true, NO_WORKSPACES);
    assertTrue(loss > 15, "five of six losses clipped at -log 1e-10, about 23 each: " + loss);
    assertEquals(loss, ours.computeScore(0.25, true, NO_WORKSPACES), 1e-6 * loss, "the loss after backprop");
    // asked again, with no backprop in between: DL4J's own computation
    assertEquals(loss, ours.computeScore(0.25, true, NO_WORKSPACES), 0, "the loss without a backprop");
  }

  @Test
  void aNewInputGetsItsOwnLoss() {
    OutputLayer dl4j = withParams(new OutputLayer(conf(), DataType.FLOAT));
    SoftmaxOutputLayer ours = withParams(new SoftmaxOutputLayer(conf(), DataType.FLOAT));
    Nd4j.getRandom().setSeed(5);
    INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, IN);
    ours.setInput(x.dup(), NO_WORKSPACES);
    ours.setLabels(labels());
    ours.backpropGradient(null, NO_WORKSPACES);
    INDArray other = x.neg();
    for (OutputLayer layer : new OutputLayer[] {dl4j, ours}) {
      layer.setInput(other.dup(), NO_WORKSPACES);
      layer.setLabels(labels());
    }
    assertEquals(dl4j.computeScore(0, true, NO_WORKSPACES), ours.computeScore(0, true, NO_WORKSPACES), 0,
        "the new input's loss, by DL4J's code");
    assertSameBits(dl4j.activate(false, NO_WORKSPACES), ours.activate(false, NO_WORKSPACES), "inference, DL4J's");
  }
}
