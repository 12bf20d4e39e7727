package io.fednas.dl4j;

import static io.fednas.dl4j.SameBits.assertSameBits;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link NoCopyConvolutionLayer} against DL4J's convolution layer with the same helper, in training
 * with the forward cache open (where DL4J's layer keeps a copy of its pre-activation output): the
 * output and every gradient bit for bit, with the project's ReLU and with the identity, on inputs
 * with -0, +0, denormals, infinities and NaNs in the channel that the convolution passes through to z.
 */
class NoCopyConvolutionLayerTest {

  private static final float[] EDGES = {-0f, 0f, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE,
      Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -2f, 3f};

  /** A 1 x 1 convolution without bias, 3 channels to 2: its weights pick the edge values through. */
  private static NeuralNetConfiguration conf(IActivation activation) {
    return new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).cacheMode(CacheMode.DEVICE)
        .layer(new ConvolutionLayer.Builder(1, 1).nIn(3).nOut(2).hasBias(false)
            .convolutionMode(ConvolutionMode.Truncate).activation(activation).build()).build();
  }

  private static Layer setUp(Layer layer, NeuralNetConfiguration conf, INDArray params) throws Exception {
    return TestLayers.setUp(layer, conf, params, org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class,
        new Im2colConvolution(true));
  }

  /** Forward in training, then backprop, inside an open forward-cache workspace, as a network's fit does. */
  private static Pair<Gradient, INDArray> run(Layer layer, INDArray x, INDArray eps, INDArray[] output) {
    WorkspaceConfiguration cache = WorkspaceConfiguration.builder().initialSize(0)
        .policyAllocation(AllocationPolicy.OVERALLOCATE).policyLearning(LearningPolicy.FIRST_LOOP).build();
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder().defaultNoWorkspace()
        .with(ArrayType.FF_CACHE, "TEST_FF_CACHE", cache).build();
    try (MemoryWorkspace ws = mgr.notifyScopeEntered(ArrayType.FF_CACHE)) {
      layer.setInput(x.dup(), mgr);
      output[0] = layer.activate(true, mgr).dup();
      Pair<Gradient, INDArray> p = layer.backpropGradient(eps.dup(), mgr);
      return new Pair<>(p.getFirst(), p.getSecond().detach());
    }
  }

  @Test
  void outputAndGradientsAreDl4jsBitForBit() throws Exception {
    for (IActivation activation : new IActivation[] {new ReluBackprop(), new ActivationIdentity()}) {
      NeuralNetConfiguration conf = conf(activation);
      // output channel 0 is input channel 0 (the edge values), channel 1 a mix
      INDArray params = Nd4j.createFromArray(1f, 0f, 0f, 0.5f, -1.25f, 2f).reshape(1, 6);
      INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 4, 5);
      for (int i = 0; i < 2 * EDGES.length; i++) {
        x.putScalar(new long[] {i % 2, 0, i / 10 % 4, i % 5}, EDGES[i % EDGES.length]);
      }
      INDArray eps = Nd4j.randn(DataType.FLOAT, 2, 2, 4, 5);
      INDArray[] want = new INDArray[1];
      INDArray[] got = new INDArray[1];
      Layer dl4j = setUp(new org.deeplearning4j.nn.layers.convolution.ConvolutionLayer(conf, DataType.FLOAT), conf, params);
      Layer ours = setUp(new NoCopyConvolutionLayer(conf, DataType.FLOAT), conf, params);
      Pair<Gradient, INDArray> expected = run(dl4j, x, eps, want);
      Pair<Gradient, INDArray> actual = run(ours, x, eps, got);
      String what = activation.getClass().getSimpleName();
      assertSameBits(want[0], got[0], what + " output");
      assertSameBits(expected.getSecond(), actual.getSecond(), what + " input gradient");
      assertSameBits(expected.getFirst().getGradientFor("W"), actual.getFirst().getGradientFor("W"), what + " weight gradient");
    }
  }
}
