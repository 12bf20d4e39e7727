package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.model.Architectures;
import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The max-pooling and ReLU kernels must give DL4J's results bit for bit, ties and special values
 * included; whole networks are compared in {@link Im2colConvolutionTest}.
 */
class CpuKernelsTest {
  /** ReLU-like values (a third exact zeros, so windows tie) with some negatives, -0 among them. */
  private static INDArray poolInput(long... shape) {
    Random r = new Random(7);
    float[] v = new float[(int) (shape[0] * shape[1] * shape[2] * shape[3])];
    for (int i = 0; i < v.length; i++) {
      int kind = r.nextInt(6);
      v[i] = kind < 2 ? 0f : kind == 2 ? -0f : kind == 3 ? -r.nextFloat() : r.nextInt(4) / 4f; // repeated positives tie too
    }
    return Nd4j.create(v, shape, 'c');
  }

  private static void assertPoolingBackpropAsLibnd4j(long[] shape, int k, int stride, ConvolutionMode mode) {
    INDArray x = poolInput(shape);
    int out = mode == ConvolutionMode.Same ? (int) Math.ceil(shape[2] / (double) stride) : (int) ((shape[2] - k) / stride + 1);
    INDArray g = Nd4j.rand(DataType.FLOAT, shape[0], shape[1], out, out).subi(0.5);
    INDArray expected = Nd4j.create(DataType.FLOAT, shape);
    Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp").addInputs(x, g).addOutputs(expected)
        .addIntegerArguments(k, k, stride, stride, 0, 0, 1, 1, mode == ConvolutionMode.Same ? 1 : 0, 0, 0).build());
    INDArray actual = new MaxPoolBackprop().backpropGradient(x, g, new int[] {k, k}, new int[] {stride, stride},
        new int[] {0, 0}, PoolingType.MAX, mode, new int[] {1, 1}, CNN2DFormat.NCHW, LayerWorkspaceMgr.noWorkspaces())
        .getSecond();
    assertArrayEquals(expected.data().asFloat(), actual.data().asFloat(),
        k + "x" + k + " windows, stride " + stride + ", " + mode + " on " + Arrays.toString(shape));
  }

  @Test
  void maxPoolingBackpropSendsEachWindowsGradientToItsFirstLargestInput() {
    assertPoolingBackpropAsLibnd4j(new long[] {3, 4, 8, 8}, 2, 2, ConvolutionMode.Truncate); // 2x2 windows tiling the input
    assertPoolingBackpropAsLibnd4j(new long[] {2, 3, 7, 7}, 2, 2, ConvolutionMode.Truncate); // last row and column unused
    assertPoolingBackpropAsLibnd4j(new long[] {2, 3, 9, 9}, 3, 2, ConvolutionMode.Truncate); // overlapping windows add up
    assertPoolingBackpropAsLibnd4j(new long[] {2, 2, 7, 7}, 2, 2, ConvolutionMode.Same); // windows cut at the edge
    assertPoolingBackpropAsLibnd4j(new long[] {2, 2, 6, 6}, 2, 1, ConvolutionMode.Truncate);
  }

  /**
   * The forward pass of {@link MaxPoolLayer} (libnd4j's loop) against DL4J's layer (on this build,
   * oneDNN's helper): the same values, where -0 and +0 count as equal (which zero of a tied
   * window comes out may differ between the two).
   */
  private static void assertPoolingForwardAsDl4j(long[] shape, int k, int stride, ConvolutionMode mode, PoolingType type) {
    NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().layer(
        new org.deeplearning4j.nn.conf.layers.SubsamplingLayer.Builder(type).kernelSize(k, k).stride(stride, stride)
            .convolutionMode(mode).build()).build();
    INDArray x = poolInput(shape);
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    INDArray expected = new SubsamplingLayer(conf, DataType.FLOAT).activate(x, false, mgr);
    INDArray actual = new MaxPoolLayer(conf, DataType.FLOAT).activate(x, false, mgr);
    String what = type + " " + k + "x" + k + ", stride " + stride + ", " + mode + " on " + Arrays.toString(shape);
    assertArrayEquals(expected.shape(), actual.shape(), what);
    float[] e = expected.data().asFloat();
    float[] a = actual.data().asFloat();
    for (int i = 0; i < e.length; i++) {
      assertEquals(e[i], a[i], 0f, what + " at " + i);
    }
  }

  @Test
  void maxPoolingForwardGivesDl4jsValues() {
    assertPoolingForwardAsDl4j(new long[] {3, 4, 8, 8}, 2, 2, ConvolutionMode.Truncate, PoolingType.MAX);
    assertPoolingForwardAsDl4j(new long[] {2, 3, 9, 9}, 3, 2, ConvolutionMode.Truncate, PoolingType.MAX);
    assertPoolingForwardAsDl4j(new long[] {2, 2, 7, 7}, 2, 2, ConvolutionMode.Same, PoolingType.MAX);
    assertPoolingForwardAsDl4j(new long[] {2, 2, 6, 6}, 2, 1, ConvolutionMode.Truncate, PoolingType.MAX);
    assertPoolingForwardAsDl4j(new long[] {2, 2, 6, 6}, 2, 2, ConvolutionMode.Truncate, PoolingType.AVG); // DL4J's own
  }

  /**
   * 2 x 2 windows tiling the input ({@link MaxPool2x2}): the forward pass gives libnd4j's loop's bits
   * and the backprop, from the kept argmax or the helper's, {@code maxpool2d_bp}'s (both without oneDNN), on windows
   * with ties, -0, NaNs and infinities, a window of NaNs only and one of negative infinities and NaNs
   * (libnd4j's maximum stays at its start, -3.402823e38, there), and -Float.MAX_VALUE, below that start.
   */
  @Test
  void twoByTwoPoolingFromTheKeptArgmaxIsLibnd4jsBitForBit() {
    long[] shape = {3, 4, 8, 6};
    INDArray x = poolInput(shape);
    float[] special = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -Float.MAX_VALUE, Float.MAX_VALUE};
    Random r = new Random(9);
    for (int i = 0; i < 60; i++) {
      x.putScalar(r.nextInt((int) x.length()), special[r.nextInt(special.length)]);
    }
    float[][] windows = {{Float.NaN, Float.NaN, Float.NaN, Float.NaN},
        {Float.NaN, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}, {-0f, 0f, -0f, 0f}};
    for (int w = 0; w < windows.length; w++) { // windows of plane 0, row 0
      x.putScalar(new long[] {0, 0, 0, 2 * w}, windows[w][0]);
      x.putScalar(new long[] {0, 0, 0, 2 * w + 1}, windows[w][1]);
      x.putScalar(new long[] {0, 0, 1, 2 * w}, windows[w][2]);
      x.putScalar(new long[] {0, 0, 1, 2 * w + 1}, windows[w][3]);
    }
    MaxPoolLayer layer = assertTwoByTwoPoolingAsLibnd4j(x);
    assertEquals(-3.402823e38f, layer.activate(false, LayerWorkspaceMgr.noWorkspaces()).getFloat(0, 0, 0, 1),
        "a window of NaNs and -infinities");
  }

  /**
   * As above on ReLU outputs (zeros, ties, positives up to +infinity and subnormals), which {@link
   * MaxPool2x2} compares as bits, and on such planes with one -0 or one NaN among them, which it does not.
   */
  @Test
  void twoByTwoPoolingOfReluOutputsIsLibnd4jsBitForBit() {
    long[] shape = {2, 3, 6, 8};
    INDArray x = Nd4j.rand(DataType.FLOAT, shape).subi(0.5).muli(4).castTo(DataType.INT32).castTo(DataType.FLOAT);
    x.assign(Transforms.relu(x, true));
    float[] large = {Float.POSITIVE_INFINITY, Float.MAX_VALUE, Float.MIN_VALUE, Float.MIN_NORMAL};
    Random r = new Random(11);
    for (int i = 0; i < 12; i++) {
      x.putScalar(r.nextInt((int) x.length()), large[r.nextInt(large.length)]);
    }
    x.putScalar(new long[] {1, 0, 3, 5}, -0f); // plane 3
    x.putScalar(new long[] {1, 2, 0, 0}, Float.NaN); // plane 5
    assertTwoByTwoPoolingAsLibnd4j(x);
  }

  /**
   * {@link MaxPoolLayer}'s forward pass and the backprop from its kept argmax and from {@link
   * MaxPoolBackprop}, 2 x 2 windows at stride 2, against libnd4j's loops bit for bit.
   */
  private static MaxPoolLayer assertTwoByTwoPoolingAsLibnd4j(INDArray x) {
    long[] shape = x.shape();
    INDArray g = Nd4j.rand(DataType.FLOAT, shape[0], shape[1], shape[2] / 2, shape[3] / 2).subi(0.5);
    long[] args = {2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0};
    INDArray expectedOut = Nd4j.create(DataType.FLOAT, shape[0], shape[1], shape[2] / 2, shape[3] / 2);
    INDArray expectedDx = Nd4j.create(DataType.FLOAT, shape);
    runWithoutHelpers("maxpool2d", args, expectedOut, x);
    runWithoutHelpers("maxpool2d_bp", args, expectedDx, x, g);

    NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().layer(
        new org.deeplearning4j.nn.conf.layers.SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
            .build()).build();
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    MaxPoolLayer layer = new MaxPoolLayer(conf, DataType.FLOAT);
    layer.setInput(x, mgr);
    SameBits.assertSameBits(expectedOut, layer.activate(true, mgr), "forward");
    SameBits.assertSameBits(expectedDx, layer.backpropGradient(g, mgr).getSecond(), "backprop from the kept argmax");
    SameBits.assertSameBits(expectedDx, new MaxPoolBackprop().backpropGradient(x, g, new int[] {2, 2}, new int[] {2, 2},
        new int[] {0, 0}, PoolingType.MAX, ConvolutionMode.Truncate, new int[] {1, 1}, CNN2DFormat.NCHW, mgr).getSecond(),
        "the helper's backprop, without a kept argmax");
    return layer;
  }

  private static void runWithoutHelpers(String op, long[] args, INDArray out, INDArray... in) {
    try (OpContext ctx = Nd4j.getExecutioner().buildContext()) {
      ctx.allowHelpers(false);
      ctx.setIArguments(args);
      ctx.setInputArrays(in);
      ctx.setOutputArrays(out);
      Nd4j.exec(DynamicCustomOp.builder(op).addInputs(in).addOutputs(out).build(), ctx);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void maxPoolingLeavesWhatItDoesNotSupportToDl4j() {
    INDArray x = poolInput(1, 1, 4, 4);
    INDArray g = Nd4j.rand(DataType.FLOAT, 1, 1, 2, 2);
    int[] two = {2, 2};
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    MaxPoolBackprop helper = new MaxPoolBackprop();
    assertNull(helper.backpropGradient(x, g, two, two, new int[] {0, 0}, PoolingType.AVG, ConvolutionMode.Truncate,
        new int[] {1, 1}, CNN2DFormat.NCHW, mgr));
    assertNull(helper.backpropGradient(x, g, two, two, new int[] {1, 1}, PoolingType.MAX, ConvolutionMode.Truncate,
        new int[] {1, 1}, CNN2DFormat.NCHW, mgr));
    assertNull(helper.backpropGradient(x.permute(0, 1, 3, 2), g, two, two, new int[] {0, 0}, PoolingType.MAX,
        ConvolutionMode.Truncate, new int[] {1, 1}, CNN2DFormat.NCHW, mgr));
  }

  @Test
  void reluBackpropMatchesDl4jOnEveryKindOfValue() {
    float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, Float.MAX_VALUE, -Float.MAX_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc00000), 1f, -1f};
    Random r = new Random(3);
    float[] z = new float[5000]; // several of the kernel's chunks, the last one short
    for (int i = 0; i < z.length; i++) {
      z[i] = i < special.length ? special[i] : (float) r.nextGaussian();
    }
    INDArray in = Nd4j.create(z, new long[] {50, 100}, 'c');
    INDArray eps = Nd4j.rand(DataType.FLOAT, 50, 100).subi(0.5);
    INDArray expected = new ActivationReLU().backprop(in.dup(), eps).getFirst();
    INDArray actual = new ReluBackprop().backprop(in.dup(), eps).getFirst();
    assertArrayEquals(expected.dup('c').data().asFloat(), actual.dup('c').data().asFloat());
    // a view that is not contiguous goes to DL4J's own code, with the same result
    INDArray view = in.dup().transpose();
    assertArrayEquals(new ActivationReLU().backprop(view.dup(), eps.transpose()).getFirst().dup('c').data().asFloat(),
        new ReluBackprop().backprop(view, eps.transpose()).getFirst().dup('c').data().asFloat());
  }

  /**
   * pom.xml picks nd4j-native's oneDNN build; without it (the plain build, or libnd4j's helpers
   * switched off) the convolutions fall back to im2col, correct but slower (docs/benchmarks/2026-11-28-sessions-1-9.md).
   */
  @Test
  void theNativeLibraryRunsConvolutionsOnOneDnn() {
    assertTrue(OneDnnConvolution.available(), "the loaded libnd4j has no oneDNN: check nd4j.classifier in pom.xml");
    try {
      Nd4j.getEnvironment().allowHelpers(false);
      assertFalse(OneDnnConvolution.available());
      MultiLayerNetwork net = NetworkBuilder.build(Architectures.byName("mcmahan-cnn", 1, 28, 28, 10), 1, 0.1, 0);
      assertInstanceOf(Im2colConvolution.class, net.getLayer(2).getHelper());
    } finally {
      Nd4j.getEnvironment().allowHelpers(true);
    }
  }

  /** A MobileNet's depthwise layers, batch norms and their ReLUs run the project's kernels too, and training still learns. */
  @Test
  void mobileNetLayersRunTheProjectsKernels() {
    MultiLayerNetwork net = NetworkBuilder.build(Architectures.byName("mobilenet-28", 0.25, 1, 28, 28, 10), 1, 0.1, 0.9);
    int depthwise = 0;
    int batchNorms = 0;
    int relus = 0;
    for (Layer l : net.getLayers()) {
      if (l instanceof org.deeplearning4j.nn.layers.convolution.DepthwiseConvolution2DLayer) {
        assertInstanceOf(DepthwiseLayer.class, l);
        assertTrue(((DepthwiseLayer) l).onOneDnn(), "the depthwise layers run oneDNN's kernels");
        depthwise++;
      } else if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
        assertInstanceOf(BatchNormLayer.class, l);
        assertInstanceOf(BatchNormKernel.class, l.getHelper());
        batchNorms++;
      } else if (l instanceof org.deeplearning4j.nn.layers.ActivationLayer) {
        assertInstanceOf(ReluLayer.class, l);
        relus++;
      }
    }
    assertEquals(9, depthwise);
    assertEquals(19, batchNorms);
    assertEquals(19, relus);
    Nd4j.getRandom().setSeed(4);
    INDArray x = Nd4j.rand(DataType.FLOAT, 16, 784);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 10);
    for (int i = 0; i < 16; i++) {
      y.putScalar(i, i % 10, 1f);
    }
    net.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
    double first = net.score();
    for (int i = 0; i < 30; i++) {
      net.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
    }
    assertTrue(net.score() < first / 2, "the loss fell from " + first + " to " + net.score());
  }

  /**
   * A MobileNet passing activations channel-last between its blocks' kernels computes the bits of the
   * same network passing them row-major: parameters (running statistics included) after each training
   * step, and an inference output. And where oneDNN runs the pointwise layers they do pass channel-last.
   * With oneDNN's kernels (for the convolutions and the depthwise layers) and with the Java ones.
   */
  @Test
  void channelLastActivationsGiveTheBitsOfRowMajorOnes() {
    assertChannelLastGivesRowMajorBits(OneDnnConvolution.available());
    assertChannelLastGivesRowMajorBits(false);
  }

  private static void assertChannelLastGivesRowMajorBits(boolean oneDnn) {
    var a = Architectures.byName("mobilenet-28", 0.25, 1, 28, 28, 10);
    MultiLayerNetwork[] nets = new MultiLayerNetwork[2]; // row-major, channel-last
    for (int k = 0; k < 2; k++) {
      nets[k] = NetworkBuilder.withoutKernels(a, 3, 0.1, 0.9);
      CpuKernels.install(nets[k], oneDnn, k == 1);
      nets[k].setUpdater(new FlatGradientUpdater(nets[k]));
      for (Layer l : nets[k].getLayers()) {
        if (l instanceof DepthwiseLayer d) {
          assertEquals(oneDnn, d.onOneDnn(), "the depthwise layer's kernels");
        }
      }
    }
    Nd4j.getRandom().setSeed(5);
    INDArray x = null;
    for (int step = 0; step < 3; step++) {
      x = Nd4j.rand(DataType.FLOAT, 12, 784);
      INDArray y = Nd4j.zeros(DataType.FLOAT, 12, 10);
      for (int i = 0; i < 12; i++) {
        y.putScalar(i, (i + step) % 10, 1f);
      }
      for (MultiLayerNetwork net : nets) {
        net.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
      }
      SameBits.assertSameBits(nets[0].params(), nets[1].params(), "parameters after step " + step);
    }
    SameBits.assertSameBits(nets[0].output(x), nets[1].output(x), "inference output");
    if (oneDnn) {
      long channelLast = nets[1].feedForward(x, true).stream().filter(NdBuffers::isChannelLast).count();
      // each block's six (depthwise, pointwise, a batch norm and a ReLU after each) but the last block's
      // pointwise three, which global pooling (DL4J's) reads
      assertEquals(9 * 6 - 3, channelLast, "activations passed channel-last");
    }
  }

  /** The kernels sit in the layers; the network's configuration, which a saved model holds, names DL4J's classes only. */
  @Test
  void kernelsAreInstalledWhileTheConfigurationStaysDl4js() {
    MultiLayerNetwork net = NetworkBuilder.build(Architectures.byName("mcmahan-cnn", 1, 28, 28, 10), 1, 0.1, 0);
    int reluLayers = 0;
    for (Layer l : net.getLayers()) {
      if (l instanceof ConvolutionLayer) {
        // the first layer on im2col (no input gradient), the second on oneDNN's ops
        assertInstanceOf(NoCopyConvolutionLayer.class, l);
        assertEquals(l.getIndex() == 0 ? Im2colConvolution.class : OneDnnConvolution.class, l.getHelper().getClass());
      } else if (l instanceof SubsamplingLayer) {
        assertInstanceOf(MaxPoolLayer.class, l);
        assertInstanceOf(MaxPoolBackprop.class, l.getHelper());
        assertSame(l, net.getLayer(l.conf().getLayer().getLayerName()), "the network's layer by name");
      }
      if (l instanceof DenseLayer) {
        assertInstanceOf(DenseReluLayer.class, l);
        assertSame(l, net.getLayer(l.conf().getLayer().getLayerName()), "the network's layer by name");
      }
      if (l instanceof ConvolutionLayer || l instanceof DenseLayer) {
        assertInstanceOf(ReluBackprop.class, ((BaseLayer) l.conf().getLayer()).getActivationFn());
        reluLayers++;
      }
    }
    assertEquals(3, reluLayers);
    String json = net.getLayerWiseConfigurations().toJson();
    assertFalse(json.contains("io.fednas"), "the saved configuration names a project class");
    MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
    assertEquals(net.getLayerWiseConfigurations(), back);
  }
}
