package io.fednas.dl4j;

import java.util.function.Consumer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.DepthwiseConvolution2DLayer;
import org.deeplearning4j.nn.params.DepthwiseConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's depthwise convolution layer computing its forward and backward passes with {@link
 * DepthwiseKernel}, over channel-last Java arrays: for the layers a MobileNet uses (NCHW, one filter per
 * channel, no bias, no activation of its own, no dilation, dropout or weight noise). Anything else
 * goes to DL4J's own code. It reads activations and gradients in either layout, row-major or
 * channel-last ({@link NdBuffers#channelLastView}); its output is channel-last where {@link
 * CpuKernels} allows, and dL/dx takes the input's layout.
 *
 * <p>The arithmetic runs on oneDNN's depthwise kernels ({@link OneDnnDepthwise}) where its library
 * loaded and the network uses oneDNN, else on {@link DepthwiseKernel} in Java.
 *
 * <p>Why: libnd4j's {@code depthwise_conv2d} and its backprop cost about ten milliseconds per layer
 * and minibatch on a small MobileNet, an order of magnitude more than the arithmetic, which is a
 * few multiply-adds per output: most of it reorders of the activations into oneDNN's blocked layout
 * and back around each call (slowest on 8 channels, padded to 16).
 */
final class DepthwiseLayer extends DepthwiseConvolution2DLayer {

  // scratch slots: the input channel-first as it came, channel-last, the output or dL/dz channel-last, dL/dx channel-last
  private static final int FIRST = 0;
  private static final int INPUT_LAST = 1;
  private static final int VALUES_LAST = 2;
  private static final int GRADIENT_LAST = 3;
  private final DepthwiseKernel arithmetic = new DepthwiseKernel();
  /** oneDNN's kernels, or null for {@link #arithmetic}'s. */
  private final OneDnnDepthwise oneDnn;
  /** Whether the output may stay channel-last: the layers that read it are the project's ({@link CpuKernels}). */
  private boolean channelLastOutput;

  /** With oneDNN's kernels when {@code oneDnn} and its library loaded. */
  DepthwiseLayer(NeuralNetConfiguration conf, DataType dataType, boolean oneDnn) {
    super(conf, dataType);
    this.oneDnn = oneDnn && OneDnnDepthwise.available() ? new OneDnnDepthwise() : null;
  }

  /** Whether this layer's arithmetic runs on oneDNN. */
  boolean onOneDnn() {
    return oneDnn != null;
  }

  /** Whether this call's arithmetic runs on oneDNN: the layer's does, and oneDNN takes the geometry. */
  private boolean onOneDnn(DepthwiseKernel.Geometry g) {
    return oneDnn != null && OneDnnDepthwise.supports(g);
  }

  void channelLastOutput(boolean allowed) {
    channelLastOutput = allowed;
  }

  private DepthwiseKernel.Geometry geometry() {
    DepthwiseConvolution2D conf = (DepthwiseConvolution2D) layerConf();
    if (input == null || input.rank() != 4 || input.dataType() != DataType.FLOAT
        || conf.getCnn2dDataFormat() != CNN2DFormat.NCHW || conf.hasBias() || conf.getDepthMultiplier() != 1
        || !(conf.getActivationFn() instanceof ActivationIdentity) || conf.getIDropout() != null
        || conf.getWeightNoise() != null || conf.getDilation()[0] != 1 || conf.getDilation()[1] != 1
        || conf.getKernelSize()[0] != conf.getKernelSize()[1] || conf.getStride()[0] != conf.getStride()[1]) {
      return null;
    }
    int[] size = conf.getKernelSize();
    int[] strides = conf.getStride();
    int[] dilation = conf.getDilation();
    int h = (int) input.size(2);
    int w = (int) input.size(3);
    int[] pad;
    int[] out;
    if (convolutionMode == ConvolutionMode.Same) {
      out = ConvolutionUtils.getOutputSize(input, size, strides, null, convolutionMode, dilation, CNN2DFormat.NCHW);
      pad = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] {h, w}, size, strides, dilation);
    } else {
      pad = conf.getPadding();
      out = ConvolutionUtils.getOutputSize(input, size, strides, pad, convolutionMode, dilation, CNN2DFormat.NCHW);
    }
    return new DepthwiseKernel.Geometry((int) input.size(0), (int) input.size(1), h, w, out[0], out[1], size[0],
        strides[0], pad[0], pad[1]);
  }

  @Override
  protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
    DepthwiseKernel.Geometry g = geometry();
    if (g == null) {
      return super.preOutput(training, forBackprop, workspaceMgr);
    }
    float[] weights = NdBuffers.toFloats(getParam(DepthwiseConvolutionParamInitializer.WEIGHT_KEY));
    if (onOneDnn(g)) {
      // oneDNN reads and writes channel-last memory in place
      INDArray x = NdBuffers.memory(NdBuffers.inLayout(input, true, workspaceMgr, ArrayType.ACTIVATIONS));
      INDArray z = NdBuffers.createMemory(workspaceMgr, ArrayType.ACTIVATIONS,
          new long[] {g.n(), g.c(), g.outH(), g.outW()}, true);
      oneDnn.forward(g, x, weights, z);
      INDArray output = NdBuffers.channelLastView(z);
      return new Pair<>(channelLastOutput ? output
          : NdBuffers.inLayout(output, false, workspaceMgr, ArrayType.ACTIVATIONS), null);
    }
    Images x = channelLast(input, g.h() * g.w(), INPUT_LAST);
    INDArray output = NdBuffers.create(workspaceMgr, ArrayType.ACTIVATIONS,
        new long[] {g.n(), g.c(), g.outH(), g.outW()}, channelLastOutput);
    store(output, g.outH() * g.outW(), VALUES_LAST, z -> arithmetic.forward(g, x, weights, z));
    return new Pair<>(output, null);
  }

  /**
   * {@code a}'s values channel-last, an image at a time: its memory itself when it is laid out so
   * ({@link Images#readFrom}), else a transposed copy in scratch slot {@code slot}.
   */
  private static Images channelLast(INDArray a, int plane, int slot) {
    if (NdBuffers.isChannelLast(a)) {
      return Images.readFrom(a, slot);
    }
    int n = (int) a.size(0);
    int c = (int) a.size(1);
    float[] last = Scratch.get(slot, n * c * plane);
    float[] first = NdBuffers.toFloatsPrefix(a, Scratch.get(FIRST, n * c * plane));
    DepthwiseKernel.toChannelLast(first, n, c, plane, last);
    return Images.of(last);
  }

  /**
   * Lets {@code fill} write channel-last values into {@code a}, an image at a time: into its memory
   * when it is laid out so ({@link Images#writeInto}), else through scratch slot {@code slot},
   * transposed into {@code a}'s layout.
   */
  private static void store(INDArray a, int plane, int slot, Consumer<Images> fill) {
    if (NdBuffers.isChannelLast(a)) {
      Images.writeInto(a, slot, fill);
      return;
    }
    int n = (int) a.size(0);
    int c = (int) a.size(1);
    float[] last = Scratch.get(slot, n * c * plane);
    fill.accept(Images.of(last));
    float[] first = Scratch.get(FIRST, n * c * plane);
    DepthwiseKernel.toChannelFirst(last, n, c, plane, first);
    NdBuffers.copyPrefixInto(first, a);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    DepthwiseKernel.Geometry g = geometry();
    if (g == null) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    float[] weights = NdBuffers.toFloats(getParam(DepthwiseConvolutionParamInitializer.WEIGHT_KEY));
    float[] dw = new float[weights.length];
    // no activation of its own: dL/dz is dL/dout; dL/dx in the input's layout: the layer before reads
    // it as it wrote the input
    INDArray outEpsilon;
    if (onOneDnn(g)) {
      INDArray x = NdBuffers.memory(NdBuffers.inLayout(input, true, workspaceMgr, ArrayType.ACTIVATION_GRAD));
      INDArray delta = NdBuffers.memory(NdBuffers.inLayout(epsilon, true, workspaceMgr, ArrayType.ACTIVATION_GRAD));
      INDArray dx = NdBuffers.createMemory(workspaceMgr, ArrayType.ACTIVATION_GRAD, input.shape(), true);
      oneDnn.backward(g, x, weights, delta, dx, dw);
      outEpsilon = NdBuffers.channelLastView(dx);
      if (!NdBuffers.isChannelLast(input)) {
        outEpsilon = NdBuffers.inLayout(outEpsilon, false, workspaceMgr, ArrayType.ACTIVATION_GRAD);
      }
    } else {
      Images x = channelLast(input, g.h() * g.w(), INPUT_LAST);
      Images delta = channelLast(epsilon, g.outH() * g.outW(), VALUES_LAST);
      outEpsilon = NdBuffers.create(workspaceMgr, ArrayType.ACTIVATION_GRAD, input.shape(), NdBuffers.isChannelLast(input));
      store(outEpsilon, g.h() * g.w(), GRADIENT_LAST, dx -> arithmetic.backward(g, x, weights, delta, dx, dw));
    }
    INDArray weightGradView = gradientViews.get(DepthwiseConvolutionParamInitializer.WEIGHT_KEY);
    NdBuffers.write(dw, weightGradView);
    Gradient gradient = new DefaultGradient();
    gradient.setGradientFor(DepthwiseConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
    return new Pair<>(gradient, outEpsilon);
  }
}
