package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.ConvBn;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.DepthwiseBn;
import io.fednas.model.LayerSpec.GlobalAvgPool;
import io.fednas.model.LayerSpec.MaxPool;
import io.fednas.model.ParameterLayout;
import io.fednas.model.ResourceCounter;
import io.fednas.model.WeightSurgery;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Pruning is exact: the narrowed network computes what the original does with the dropped channels zeroed. */
class WeightSurgeryTest {
  private static final Architecture ARCH = new Architecture("t", 2, 12, 12, 5, List.of(
      new Conv(8, 3, 1, true), new Conv(6, 3, 1, false), new MaxPool(2, 2), new Dense(9), new Dense(7)));

  private static float[] trainedLikeWeights(Architecture a) {
    // random but not an init pattern: every filter's norm differs
    Nd4j.getRandom().setSeed(5);
    return Nd4j.rand(DataType.FLOAT, 1, NetworkBuilder.build(a, 1, 0.1, 0).numParams()).subi(0.5).toFloatVector();
  }

  private static MultiLayerNetwork load(Architecture a, float[] weights) {
    MultiLayerNetwork net = NetworkBuilder.build(a, 0, 0.0, 0.0);
    NdBuffers.copyInto(weights, net.params());
    return net;
  }

  /** The original network with the dropped filters (or units) of {@code layer} zeroed. */
  private static MultiLayerNetwork zeroed(Architecture a, float[] w, int layer, int[] kept) {
    MultiLayerNetwork net = load(a, w);
    for (int f = 0; f < a.width(layer); f++) {
      if (Arrays.binarySearch(kept, f) >= 0) {
        continue;
      }
      INDArray w4 = net.getParam(layer + "_W");
      long[] shape = w4.shape();
      if (a.layers().get(layer) instanceof Conv) {
        for (long c = 0; c < shape[1]; c++) {
          for (long i = 0; i < shape[2]; i++) {
            for (long j = 0; j < shape[3]; j++) {
              w4.putScalar(new long[] {f, c, i, j}, 0);
            }
          }
        }
      } else {
        for (long i = 0; i < shape[0]; i++) {
          w4.putScalar(new long[] {i, f}, 0);
        }
      }
      net.getParam(layer + "_b").putScalar(f, 0);
    }
    return net;
  }

  @Test
  void narrowedNetworkEqualsOriginalWithDroppedChannelsZeroed() {
    float[] w = trainedLikeWeights(ARCH);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 2 * 12 * 12);
    for (int layer : ARCH.prunableLayers()) {
      int width = ARCH.width(layer) / 2;
      int[] kept = WeightSurgery.keptChannels(ARCH, w, layer, width);
      Architecture narrowed = ARCH.withWidth(layer, width);
      float[] nw = WeightSurgery.narrow(ARCH, w, layer, width);
      assertEquals(ResourceCounter.params(narrowed), nw.length);
      INDArray expected = zeroed(ARCH, w, layer, kept).output(x);
      INDArray actual = load(narrowed, nw).output(x);
      double diff = expected.sub(actual).amaxNumber().doubleValue();
      assertTrue(diff < 1e-6, "layer " + layer + ": outputs differ by " + diff);
    }
  }

  @Test
  void keepsTheFiltersOfLargestNorm() {
    Architecture a = new Architecture("t", 1, 6, 6, 3, List.of(new Conv(4, 3, 1, true), new Dense(3)));
    MultiLayerNetwork net = NetworkBuilder.build(a, 1, 0.1, 0);
    INDArray conv = net.getParam("0_W");
    float[] scale = {0.1f, 3f, 0.2f, 2f};
    for (int f = 0; f < 4; f++) {
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          conv.putScalar(new long[] {f, 0, i, j}, scale[f]);
        }
      }
    }
    float[] w = net.params().toFloatVector();
    assertArrayEquals(new int[] {1, 3}, WeightSurgery.keptChannels(a, w, 0, 2));
    assertArrayEquals(new int[] {1}, WeightSurgery.keptChannels(a, w, 0, 1));
    // unchanged layers keep their weights bit for bit (here: the output layer's bias)
    float[] narrowed = WeightSurgery.narrow(a, w, 0, 2);
    MultiLayerNetwork n = load(a.withWidth(0, 2), narrowed);
    assertEquals(net.getParam("2_b"), n.getParam("2_b"));
  }

  private static final Architecture MOBILE = new Architecture("m", 2, 10, 10, 5, List.of(
      new ConvBn(8, 3, 1), new DepthwiseBn(3, 1), new ConvBn(10, 1, 1), new DepthwiseBn(3, 2), new ConvBn(12, 1, 1),
      new GlobalAvgPool()));

  /** Random weights with running variances kept positive, as trained batch norm has them. */
  private static float[] trainedLikeMobileWeights(Architecture a) {
    float[] w = trainedLikeWeights(a);
    for (ParameterLayout.Tensor t : ParameterLayout.of(a).tensors()) {
      if (t.name().equals("var")) {
        for (int i = t.offset(); i < t.offset() + t.size(); i++) {
          w[i] = 0.5f + Math.abs(w[i]);
        }
      }
    }
    return w;
  }

  /**
   * The original network with the dropped channels of {@code layer} silenced: their batch-norm scale
   * and shift set to 0 in the layer and in the depthwise layers that follow its channels, so every
   * activation of those channels is 0 up to the next layer that mixes channels.
   */
  private static MultiLayerNetwork silenced(Architecture a, float[] w, int layer, int[] kept) {
    int next = ParameterLayout.of(a).nextMixing(layer);
    int[] first = NetworkBuilder.firstDl4jLayers(a);
    MultiLayerNetwork net = load(a, w);
    for (int l = layer; l < next; l++) {
      if (!(a.layers().get(l) instanceof ConvBn) && !(a.layers().get(l) instanceof DepthwiseBn)) {
        continue;
      }
      for (int f = 0; f < a.width(layer); f++) {
        if (Arrays.binarySearch(kept, f) < 0) {
          net.getParam((first[l] + 1) + "_gamma").putScalar(f, 0);
          net.getParam((first[l] + 1) + "_beta").putScalar(f, 0);
        }
      }
    }
    return net;
  }

  @Test
  void narrowingThroughSeparableBlocksAndBatchNormIsExact() {
    for (Architecture a : List.of(MOBILE, Architectures.byName("mobilenet-28", 0.25, 1, 28, 28, 10))) {
      float[] w = trainedLikeMobileWeights(a);
      INDArray x = Nd4j.rand(DataType.FLOAT, 3, a.channels() * a.height() * a.width());
      for (int layer : a.prunableLayers()) {
        int width = Math.max(1, a.width(layer) / 2);
        int[] kept = WeightSurgery.keptChannels(a, w, layer, width);
        Architecture narrowed = a.withWidth(layer, width);
        float[] nw = WeightSurgery.narrow(a, w, layer, width);
        assertEquals(ResourceCounter.params(narrowed), nw.length);
        INDArray expected = silenced(a, w, layer, kept).output(x, false);
        INDArray actual = load(narrowed, nw).output(x, false);
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff < 1e-5, a.name() + " layer " + layer + ": outputs differ by " + diff);
      }
    }
  }

  @Test
  void aDepthwiseLayerFollowsTheChannelsOfTheLayerBeforeIt() {
    float[] w = trainedLikeMobileWeights(MOBILE);
    int[] kept = WeightSurgery.keptChannels(MOBILE, w, 0, 3);
    float[] nw = WeightSurgery.narrow(MOBILE, w, 0, 3);
    MultiLayerNetwork before = load(MOBILE, w);
    MultiLayerNetwork after = load(MOBILE.withWidth(0, 3), nw);
    int[] first = NetworkBuilder.firstDl4jLayers(MOBILE);
    // the depthwise layer's filters and batch norm keep the kept channels; the pointwise after it, those inputs
    INDArray dwBefore = before.getParam(first[1] + "_W");
    INDArray dwAfter = after.getParam(first[1] + "_W");
    INDArray pwBefore = before.getParam(first[2] + "_W");
    INDArray pwAfter = after.getParam(first[2] + "_W");
    for (int k = 0; k < kept.length; k++) {
      assertEquals(before.getParam((first[1] + 1) + "_mean").getFloat(kept[k]),
          after.getParam((first[1] + 1) + "_mean").getFloat(k));
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          assertEquals(dwBefore.getFloat(new long[] {i, j, kept[k], 0}), dwAfter.getFloat(new long[] {i, j, k, 0}));
        }
      }
      for (int o = 0; o < 10; o++) {
        assertEquals(pwBefore.getFloat(new long[] {o, kept[k], 0, 0}), pwAfter.getFloat(new long[] {o, k, 0, 0}));
      }
    }
  }
}
