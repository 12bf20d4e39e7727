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
 * DL4J's depthwise convolution layer computing its forward and backward passes directly, one
 * channel's plane at a time, over Java arrays: for the layers a MobileNet uses (NCHW, one filter per
 * channel, no bias, no activation of its own, no dilation, dropout or weight noise). Anything else
 * goes to DL4J's own code.
 *
 * <p>Why: libnd4j's {@code depthwise_conv2d} and its backprop cost about ten milliseconds per layer
 * and minibatch on a small MobileNet, an order of magnitude more than the arithmetic, which is a
 * few multiply-adds per output.
 */
final class DepthwiseLayer extends DepthwiseConvolution2DLayer {

  DepthwiseLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** The plane geometry of one pass: N images of C channels, H x W in, outH x outW out, a k x k kernel. */
  private record Geometry(int n, int c, int h, int w, int outH, int outW, int k, int stride, int padTop, int padLeft) {}

  private Geometry geometry() {
    DepthwiseConvolution2D conf = (DepthwiseConvolution2D) layerConf();
    if (input == null || input.rank() != 4 || input.dataType() != DataType.FLOAT
        || conf.getCnn2dDataFormat() != CNN2DFormat.NCHW || conf.hasBias() || conf.getDepthMultiplier() != 1
        || !(conf.getActivationFn() instanceof ActivationIdentity) || conf.getIDropout() != null
        || conf.getWeightNoise() != null || conf.getDilation()[0] != 1 || conf.getDilation()[1] != 1
        || conf.getKernelSize()[0] != conf.getKernelSize()[1] || conf.getStride()[0] != conf.getStride()[1]) {
      return null;
    }
    int[] kernel = conf.getKernelSize();
    int[] strides = conf.getStride();
    int[] dilation = conf.getDilation();
    int h = (int) input.size(2);
    int w = (int) input.size(3);
    int[] pad;
    int[] out;
    if (convolutionMode == ConvolutionMode.Same) {
      out = ConvolutionUtils.getOutputSize(input, kernel, strides, null, convolutionMode, dilation, CNN2DFormat.NCHW);
      pad = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] {h, w}, kernel, strides, dilation);
    } else {
      pad = conf.getPadding();
      out = ConvolutionUtils.getOutputSize(input, kernel, strides, pad, convolutionMode, dilation, CNN2DFormat.NCHW);
    }
    return new Geometry((int) input.size(0), (int) input.size(1), h, w, out[0], out[1], kernel[0], strides[0], pad[0],
        pad[1]);
  }

  @Override
  protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
    Geometry g = geometry();
    if (g == null) {
      return super.preOutput(training, forBackprop, workspaceMgr);
    }
    float[] x = NdBuffers.toFloats(input);
    float[] weights = NdBuffers.toFloats(getParam(DepthwiseConvolutionParamInitializer.WEIGHT_KEY));
    float[] z = new float[g.n() * g.c() * g.outH() * g.outW()];
    for (int n = 0; n < g.n(); n++) {
      for (int c = 0; c < g.c(); c++) {
        int inPlane = (n * g.c() + c) * g.h() * g.w();
        int outPlane = (n * g.c() + c) * g.outH() * g.outW();
        for (int i = 0; i < g.k(); i++) {
          for (int j = 0; j < g.k(); j++) {
            float wij = weights[(i * g.k() + j) * g.c() + c]; // DL4J's depthwise weights: [kH, kW, C, 1]
            for (int oy = 0; oy < g.outH(); oy++) {
              int iy = oy * g.stride() + i - g.padTop();
              if (iy < 0 || iy >= g.h()) {
                continue;
              }
              int from = firstColumn(g, j);
              int to = endColumn(g, j);
              int in = inPlane + iy * g.w() + j - g.padLeft();
              int out = outPlane + oy * g.outW();
              for (int ox = from; ox < to; ox++) {
                z[out + ox] += wij * x[in + ox * g.stride()];
              }
            }
          }
        }
      }
    }
    INDArray output = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
        new long[] {g.n(), g.c(), g.outH(), g.outW()}, 'c');
    NdBuffers.copyInto(z, output);
    return new Pair<>(output, null);
  }

  /** The first output column whose input column ox*stride + j - padLeft is in the plane. */
  private static int firstColumn(Geometry g, int j) {
    int need = g.padLeft() - j; // ox * stride >= need
    return need <= 0 ? 0 : (need + g.stride() - 1) / g.stride();
  }

  /** One past the last output column whose input column is in the plane. */
  private static int endColumn(Geometry g, int j) {
    int last = g.w() - 1 + g.padLeft() - j; // ox * stride <= last
    return last < 0 ? 0 : Math.min(g.outW(), last / g.stride() + 1);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    Geometry g = geometry();
    if (g == null) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    float[] x = NdBuffers.toFloats(input);
    float[] weights = NdBuffers.toFloats(getParam(DepthwiseConvolutionParamInitializer.WEIGHT_KEY));
    float[] delta = NdBuffers.toFloats(epsilon); // no activation of its own: dL/dz is dL/dout
    float[] dx = new float[x.length];
    float[] dw = new float[weights.length];
    for (int n = 0; n < g.n(); n++) {
      for (int c = 0; c < g.c(); c++) {
        int inPlane = (n * g.c() + c) * g.h() * g.w();
        int outPlane = (n * g.c() + c) * g.outH() * g.outW();
        for (int i = 0; i < g.k(); i++) {
          for (int j = 0; j < g.k(); j++) {
            int tap = (i * g.k() + j) * g.c() + c;
            float wij = weights[tap];
            float grad = 0;
            for (int oy = 0; oy < g.outH(); oy++) {
              int iy = oy * g.stride() + i - g.padTop();
              if (iy < 0 || iy >= g.h()) {
                continue;
              }
              int from = firstColumn(g, j);
              int to = endColumn(g, j);
              int in = inPlane + iy * g.w() + j - g.padLeft();
              int out = outPlane + oy * g.outW();
              for (int ox = from; ox < to; ox++) {
                float d = delta[out + ox];
                grad += d * x[in + ox * g.stride()];
                dx[in + ox * g.stride()] += wij * d;
              }
            }
            dw[tap] += grad;
          }
        }
      }
    }
    INDArray weightGradView = gradientViews.get(DepthwiseConvolutionParamInitializer.WEIGHT_KEY);
    weightGradView.assign(Nd4j.createFromArray(dw).reshape('c', weightGradView.shape())); // a view: not offset 0
    INDArray outEpsilon = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
    NdBuffers.copyInto(dx, outEpsilon);
    Gradient gradient = new DefaultGradient();
    gradient.setGradientFor(DepthwiseConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
    return new Pair<>(gradient, outEpsilon);
  }
}
