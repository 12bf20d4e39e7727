package io.fednas.dl4j;

import static io.fednas.dl4j.SameBits.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.common.primitives.Pair;

/**
 * {@link ReluLayer} (ReLU in place) against DL4J's activation layer with DL4J's ReLU (on a copy),
 * bit for bit, forward and backprop, on values that include each comparison's edge cases: -0, +0, the smallest
 * denormals of either sign, infinities and NaNs of either sign.
 */
class ReluLayerTest {

  private static final float[] EDGES = {-0f, 0f, Float.NaN, Float.intBitsToFloat(0xffc00001), Float.MIN_VALUE,
      -Float.MIN_VALUE, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -Float.MAX_VALUE, Float.MAX_VALUE, -2f, 3f};

  /** DL4J's layer with DL4J's own ReLU; ours with the project's backprop, as CpuKernels installs it. */
  private static NeuralNetConfiguration conf(IActivation relu) {
    return new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
        .layer(new ActivationLayer.Builder().activation(relu).build()).build();
  }

  private static INDArray values(Random r) {
    float[] v = new float[3 * 5 * 4 * 4];
    for (int i = 0; i < v.length; i++) {
      v[i] = i < EDGES.length * 2 ? EDGES[i % EDGES.length] : (float) r.nextGaussian();
    }
    return Nd4j.createFromArray(v).reshape(3, 5, 4, 4);
  }

  @Test
  void forwardAndBackpropAreDl4jsBitForBit() {
    Random r = new Random(11);
    LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
    INDArray x = values(r);
    INDArray eps = values(r);
    org.deeplearning4j.nn.layers.ActivationLayer dl4j =
        new org.deeplearning4j.nn.layers.ActivationLayer(conf(new ActivationReLU()), DataType.FLOAT);
    ReluLayer ours = new ReluLayer(conf(new ReluBackprop()), DataType.FLOAT, null);
    dl4j.setInput(x.dup(), noWorkspaces);
    ours.setInput(x.dup(), noWorkspaces);
    assertSameBits(dl4j.activate(true, noWorkspaces), ours.activate(true, noWorkspaces), "forward");
    assertSameBits(dl4j.backpropGradient(eps.dup(), noWorkspaces).getSecond(),
        ours.backpropGradient(eps.dup(), noWorkspaces).getSecond(), "backprop");
  }

  /**
   * A batch norm that applies the ReLU after it ({@link BatchNormKernel#reluAfter}) and the ReLU layer
   * that then skips its pass give the bits of the batch norm, then DL4J's ReLU layer: the output, and
   * every gradient through both. Channel 0 is all -0 with a beta of -0, so its batch norm is -0, which
   * DL4J's ReLU keeps: the batch norm must leave that layer's ReLU to the ReLU layer.
   */
  @Test
  void reluAppliedByTheBatchNormIsDl4jsBitForBit() throws Exception {
    LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
    NeuralNetConfiguration bnConf = BatchNormLayerTest.conf();
    long n = bnConf.getLayer().initializer().numParams(bnConf);
    Nd4j.getRandom().setSeed(5);
    INDArray params = Nd4j.rand(DataType.FLOAT, 1, n).addi(0.5f); // gamma, beta, mean, var: variance positive
    params.putScalar(BatchNormLayerTest.C, -0f); // beta of channel 0
    for (boolean negativeZeroChannel : new boolean[] {false, true}) {
      INDArray p = params.dup();
      if (!negativeZeroChannel) {
        p.putScalar(BatchNormLayerTest.C, 0.25f);
      }
      BatchNormLayer fusedNorm = (BatchNormLayer) BatchNormLayerTest.setUp(new BatchNormLayer(bnConf, DataType.FLOAT), bnConf, p);
      ((BatchNormKernel) fusedNorm.getHelper()).reluAfter(true);
      ReluLayer fusedRelu = new ReluLayer(conf(new ReluBackprop()), DataType.FLOAT, fusedNorm);
      BatchNormLayer norm = (BatchNormLayer) BatchNormLayerTest.setUp(new BatchNormLayer(bnConf, DataType.FLOAT), bnConf, p);
      org.deeplearning4j.nn.layers.ActivationLayer relu =
          new org.deeplearning4j.nn.layers.ActivationLayer(conf(new ActivationReLU()), DataType.FLOAT);
      for (int step = 0; step < 2; step++) {
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, BatchNormLayerTest.C, 5, 5).muli(3).addi(1);
        if (negativeZeroChannel) {
          x.get(NDArrayIndex.all(), NDArrayIndex.point(0)).assign(-0f);
        }
        INDArray eps = Nd4j.randn(DataType.FLOAT, x.shape());
        String what = (negativeZeroChannel ? "with" : "without") + " a -0 channel, step " + step;
        fusedNorm.setInput(x.dup(), noWorkspaces);
        fusedRelu.setInput(fusedNorm.activate(true, noWorkspaces), noWorkspaces);
        INDArray fusedOut = fusedRelu.activate(true, noWorkspaces).dup();
        norm.setInput(x.dup(), noWorkspaces);
        relu.setInput(norm.activate(true, noWorkspaces), noWorkspaces);
        INDArray out = relu.activate(true, noWorkspaces).dup();
        assertSameBits(out, fusedOut, "output " + what);
        assertEquals(!negativeZeroChannel, fusedNorm.reluAppliedTo(fusedRelu.input()), "ReLU applied by the batch norm, " + what);
        Pair<Gradient, INDArray> fused = fusedNorm.backpropGradient(
            fusedRelu.backpropGradient(eps.dup(), noWorkspaces).getSecond(), noWorkspaces);
        Pair<Gradient, INDArray> apart = norm.backpropGradient(relu.backpropGradient(eps.dup(), noWorkspaces).getSecond(),
            noWorkspaces);
        assertSameBits(apart.getSecond(), fused.getSecond(), "input gradient " + what);
        for (String name : new String[] {"gamma", "beta", "mean", "var"}) {
          assertSameBits(apart.getFirst().getGradientFor(name), fused.getFirst().getGradientFor(name), name + " gradient " + what);
        }
        for (Layer l : new Layer[] {fusedNorm, norm}) {
          l.params().subi(l.getGradientsViewArray());
        }
      }
    }
  }
}
