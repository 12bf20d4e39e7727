package io.fednas.dl4j;

import static io.fednas.dl4j.SameBits.assertSameUpToRounding;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link DenseReluLayer} (backprop from the forward pass's output) against DL4J's dense layer (backprop
 * from the pre-activation computed again), both with the project's ReLU backprop: the output, dL/dx and
 * both parameter gradients the same up to float rounding (the layer's products run on oneDNN's sgemm,
 * DL4J's on OpenBLAS), zeros, their signs and infinities bit for bit, where pre-activations include
 * -0, +0, NaN and infinities
 * (an input row of zeros meets a bias of those values; one column's weights are all negative, so
 * its products are -0 there); and where backprop does not follow a training forward pass of the
 * same input, DL4J's own code runs.
 */
class DenseReluLayerTest {
  private static final int IN = 7;
  private static final int OUT = 6;
  private static final int BATCH = 5;

  private static NeuralNetConfiguration conf() {
    NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
        .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(IN).nOut(OUT).build()).build();
    ((org.deeplearning4j.nn.conf.layers.BaseLayer) conf.getLayer()).setActivationFn(new ReluBackprop());
    return conf;
  }

  /** Weights from a seed, column 0 negative; biases -0, +0, NaN, +inf, -inf and a random one. */
  private static INDArray params() {
    Nd4j.getRandom().setSeed(3);
    INDArray weights = Nd4j.rand(DataType.FLOAT, IN, OUT).subi(0.5f);
    for (int i = 0; i < IN; i++) {
      weights.putScalar(i, 0, -0.25f - i);
    }
    INDArray bias = Nd4j.createFromArray(-0f, 0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.3f)
        .reshape(1, OUT);
    return Nd4j.hstack(weights.reshape('f', 1, IN * OUT), bias);
  }

  private static <L extends BaseLayer<?>> L withParams(L layer) {
    NeuralNetConfiguration conf = layer.conf();
    INDArray own = params();
    layer.setParamsViewArray(own);
    layer.setParamTable(conf.getLayer().initializer().init(conf, own, false));
    layer.setBackpropGradientsViewArray(Nd4j.zeros(DataType.FLOAT, own.shape()));
    return layer;
  }

  private static INDArray input() {
    Nd4j.getRandom().setSeed(4);
    INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, IN).subi(0.5f);
    x.getRow(0).assign(0f);
    return x;
  }

  private static void assertSameBackprop(Pair<Gradient, INDArray> want, Pair<Gradient, INDArray> got, String what) {
    assertSameUpToRounding(want.getSecond(), got.getSecond(), what + ": dL/dx");
    Map<String, INDArray> w = want.getFirst().gradientForVariable();
    Map<String, INDArray> g = got.getFirst().gradientForVariable();
    for (String key : new String[] {DefaultParamInitializer.WEIGHT_KEY, DefaultParamInitializer.BIAS_KEY}) {
      assertSameUpToRounding(w.get(key), g.get(key), what + ": dL/d" + key);
    }
  }

  @Test
  void backpropFromTheForwardOutputIsDl4js() {
    LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
    DenseLayer dl4j = withParams(new DenseLayer(conf(), DataType.FLOAT));
    DenseReluLayer ours = withParams(new DenseReluLayer(conf(), DataType.FLOAT));
    Nd4j.getRandom().setSeed(6);
    INDArray eps = Nd4j.rand(DataType.FLOAT, BATCH, OUT).subi(0.5f);
    INDArray x = input();
    dl4j.setInput(x.dup(), noWorkspaces);
    ours.setInput(x.dup(), noWorkspaces);
    assertSameUpToRounding(dl4j.activate(true, noWorkspaces), ours.activate(true, noWorkspaces), "forward");
    assertSameBackprop(dl4j.backpropGradient(eps.dup(), noWorkspaces), ours.backpropGradient(eps.dup(), noWorkspaces),
        "after a training forward pass");

    // an inference pass in between: nothing kept, DL4J computes the pre-activation again
    ours.activate(true, noWorkspaces);
    ours.activate(false, noWorkspaces);
    assertSameBackprop(dl4j.backpropGradient(eps.dup(), noWorkspaces), ours.backpropGradient(eps.dup(), noWorkspaces),
        "after an inference pass");
    // another input set after the forward pass: that input's gradients, not the kept output's
    INDArray other = input().negi();
    ours.activate(true, noWorkspaces);
    dl4j.setInput(other.dup(), noWorkspaces);
    ours.setInput(other.dup(), noWorkspaces);
    assertSameBackprop(dl4j.backpropGradient(eps.dup(), noWorkspaces), ours.backpropGradient(eps.dup(), noWorkspaces),
        "after the input changed");
  }
}
