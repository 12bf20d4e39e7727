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
import org.nd4j.linalg.factory.Nd4j;

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

  private final DepthwiseKernel arithmetic = new DepthwiseKernel();
  // channel-last staging arrays, kept at the largest size a pass has needed
  private float[] inputLast = new float[0];
  private float[] valuesLast = new float[0];
  private float[] gradientLast = new float[0];
  private float[] channelFirst = new float[0];

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
    valuesLast = atLeast(valuesLast, g.outputLength());
    arithmetic.forward(g, x, weights, valuesLast);
    channelFirst = atLeast(channelFirst, g.outputLength());
    DepthwiseKernel.toChannelFirst(valuesLast, g.n(), g.c(), g.outH() * g.outW(), channelFirst);
    INDArray output = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
        new long[] {g.n(), g.c(), g.outH(), g.outW()}, 'c');
    NdBuffers.copyPrefixInto(channelFirst, output);
    return new Pair<>(output, null);
  }

  /** The layer's input, channel-last, in {@link #inputLast}. */
  private float[] inputChannelLast(DepthwiseKernel.Geometry g) {
    channelFirst = atLeast(channelFirst, g.inputLength());
    NdBuffers.toFloatsPrefix(input, channelFirst);
    inputLast = atLeast(inputLast, g.inputLength());
    DepthwiseKernel.toChannelLast(channelFirst, g.n(), g.c(), g.h() * g.w(), inputLast);
    return inputLast;
  }

  private static float[] atLeast(float[] a, int length) {
    return a.length >= length ? a : new float[length];
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
    channelFirst = atLeast(channelFirst, g.outputLength());
    NdBuffers.toFloatsPrefix(epsilon, channelFirst);
    valuesLast = atLeast(valuesLast, g.outputLength());
    DepthwiseKernel.toChannelLast(channelFirst, g.n(), g.c(), g.outH() * g.outW(), valuesLast);
    gradientLast = atLeast(gradientLast, g.inputLength());
    float[] dw = new float[weights.length];
    arithmetic.backward(g, x, weights, valuesLast, gradientLast, dw);
    channelFirst = atLeast(channelFirst, g.inputLength());
    DepthwiseKernel.toChannelFirst(gradientLast, g.n(), g.c(), g.h() * g.w(), channelFirst);
    INDArray weightGradView = gradientViews.get(DepthwiseConvolutionParamInitializer.WEIGHT_KEY);
    weightGradView.assign(Nd4j.createFromArray(dw).reshape('c', weightGradView.shape())); // a view: not offset 0
    INDArray outEpsilon = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
    NdBuffers.copyPrefixInto(channelFirst, outEpsilon);
    Gradient gradient = new DefaultGradient();
    gradient.setGradientFor(DepthwiseConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
    return new Pair<>(gradient, outEpsilon);
  }
}
