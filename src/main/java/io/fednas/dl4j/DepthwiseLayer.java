package io.fednas.dl4j;

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
 * goes to DL4J's own code.
 *
 * <p>Why: libnd4j's {@code depthwise_conv2d} and its backprop cost about ten milliseconds per layer
 * and minibatch on a small MobileNet, an order of magnitude more than the arithmetic, which is a
 * few multiply-adds per output.
 */
final class DepthwiseLayer extends DepthwiseConvolution2DLayer {

  // scratch slots: the input channel-first as it came, channel-last, the output or dL/dz channel-last, dL/dx channel-last
  private static final int FIRST = 0;
  private static final int INPUT_LAST = 1;
  private static final int VALUES_LAST = 2;
  private static final int GRADIENT_LAST = 3;
  private final DepthwiseKernel arithmetic = new DepthwiseKernel();

  DepthwiseLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
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
    float[] x = inputChannelLast(g);
    float[] weights = NdBuffers.toFloats(getParam(DepthwiseConvolutionParamInitializer.WEIGHT_KEY));
    float[] z = Scratch.get(VALUES_LAST, g.outputLength());
    arithmetic.forward(g, x, weights, z);
    float[] first = Scratch.get(FIRST, g.outputLength());
    DepthwiseKernel.toChannelFirst(z, g.n(), g.c(), g.outH() * g.outW(), first);
    INDArray output = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
        new long[] {g.n(), g.c(), g.outH(), g.outW()}, 'c');
    NdBuffers.copyPrefixInto(first, output);
    return new Pair<>(output, null);
  }

  /** The layer's input, channel-last, in scratch slot {@link #INPUT_LAST}. */
  private float[] inputChannelLast(DepthwiseKernel.Geometry g) {
    float[] first = NdBuffers.toFloatsPrefix(input, Scratch.get(FIRST, g.inputLength()));
    float[] last = Scratch.get(INPUT_LAST, g.inputLength());
    DepthwiseKernel.toChannelLast(first, g.n(), g.c(), g.h() * g.w(), last);
    return last;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    DepthwiseKernel.Geometry g = geometry();
    if (g == null) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    float[] x = inputChannelLast(g);
    float[] weights = NdBuffers.toFloats(getParam(DepthwiseConvolutionParamInitializer.WEIGHT_KEY));
    // no activation of its own: dL/dz is dL/dout
    float[] first = NdBuffers.toFloatsPrefix(epsilon, Scratch.get(FIRST, g.outputLength()));
    float[] delta = Scratch.get(VALUES_LAST, g.outputLength());
    DepthwiseKernel.toChannelLast(first, g.n(), g.c(), g.outH() * g.outW(), delta);
    float[] dx = Scratch.get(GRADIENT_LAST, g.inputLength());
    float[] dw = new float[weights.length];
    arithmetic.backward(g, x, weights, delta, dx, dw);
    first = Scratch.get(FIRST, g.inputLength());
    DepthwiseKernel.toChannelFirst(dx, g.n(), g.c(), g.h() * g.w(), first);
    INDArray weightGradView = gradientViews.get(DepthwiseConvolutionParamInitializer.WEIGHT_KEY);
    NdBuffers.write(dw, weightGradView);
    INDArray outEpsilon = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
    NdBuffers.copyPrefixInto(first, outEpsilon);
    Gradient gradient = new DefaultGradient();
    gradient.setGradientFor(DepthwiseConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
    return new Pair<>(gradient, outEpsilon);
  }
}
