package io.fednas.dl4j;

import static io.fednas.dl4j.SameBits.assertSameBits;

import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
    ReluLayer ours = new ReluLayer(conf(new ReluBackprop()), DataType.FLOAT);
    dl4j.setInput(x.dup(), noWorkspaces);
    ours.setInput(x.dup(), noWorkspaces);
    assertSameBits(dl4j.activate(true, noWorkspaces), ours.activate(true, noWorkspaces), "forward");
    assertSameBits(dl4j.backpropGradient(eps.dup(), noWorkspaces).getSecond(),
        ours.backpropGradient(eps.dup(), noWorkspaces).getSecond(), "backprop");
  }
}
