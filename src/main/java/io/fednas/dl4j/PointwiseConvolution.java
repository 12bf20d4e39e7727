package io.fednas.dl4j;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 1x1 convolutions at stride 1 without padding (a MobileNet's pointwise layers) as BLAS GEMMs, one
 * per image, straight on ND4J's memory, plugged into DL4J's ConvolutionLayer through its helper
 * interface. In NCHW an image's input is an [in x H.W] matrix and its output is the weights [out x
 * in] times it; the weight gradient is the sum over images of dL/dz [out x H.W] times the input's
 * transpose, and dL/dx of an image is the weights' transpose times its dL/dz.
 *
 * <p>Why: nothing is copied or reordered. oneDNN's {@code conv2d} ({@link OneDnnConvolution}) moves
 * every NCHW input, output and gradient into its blocked layout and back on each call, and builds
 * its primitives on each call; im2col ({@link Im2colConvolution}) copies the input into a matrix
 * and the output out of one. On a MobileNet's small feature maps those copies, not the
 * multiply-adds, are most of a layer's time.
 *
 * <p>The weight gradient adds up image by image in a fixed order: results depend on shapes only,
 * not on threads or executors, and equal DL4J's up to float rounding (the test suite compares them).
 */
final class PointwiseConvolution extends CpuConvolution {
  /** Whether backprop computes the gradient with respect to the layer's input (false: zeros). */
  private final boolean inputGradient;
  /** The weights as a contiguous [out x in] matrix (DL4J's are a view into the network's parameters). */
  private INDArray weightMatrix;
  private INDArray weightGradBuffer;

  PointwiseConvolution(boolean inputGradient) {
    this.inputGradient = inputGradient;
  }

  /** Whether a convolution of this configuration is one this helper computes: 1x1, stride 1, no padding, no dilation. */
  static boolean fits(int[] kernel, int[] strides, int[] pad, int[] dilation, ConvolutionMode mode) {
    return kernel[0] == 1 && kernel[1] == 1 && strides[0] == 1 && strides[1] == 1 && dilation[0] == 1
        && dilation[1] == 1 && (mode == ConvolutionMode.Same || pad[0] == 0 && pad[1] == 0);
  }

  @Override
  public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
      AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (unsupported(dilation, format) || !fits(kernel, strides, pad, dilation, convolutionMode)
        || input.dataType() != DataType.FLOAT) {
      return null;
    }
    Im2colConvolution.Shape s = Im2colConvolution.Shape.of(input, weights, kernel, strides, pad, convolutionMode);
    return remembered.output(s, input, weights, bias, workspaceMgr, (x, b, z) -> forward(input, weights, b, s, z));
  }

  private void forward(INDArray input, INDArray weights, float[] bias, Im2colConvolution.Shape s, INDArray z) {
    FloatPointer w = pointer(weights(weights, s));
    FloatPointer x = pointer(contiguous(input));
    FloatPointer out = pointer(z);
    int plane = s.inH() * s.inW();
    for (int i = 0; i < s.mb(); i++) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.outC(), plane, s.inC(), 1f, w, s.inC(),
          x.getPointer((long) i * s.inC() * plane), plane, 0f, out.getPointer((long) i * s.outC() * plane), plane);
    }
    if (bias != null) {
      FloatBuffer values = NdBuffers.view(z);
      for (int i = 0; i < s.mb(); i++) {
        for (int o = 0; o < s.outC(); o++) {
          int from = (i * s.outC() + o) * plane;
          for (int p = from; p < from + plane; p++) {
            values.put(p, values.get(p) + bias[o]);
          }
        }
      }
    }
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
      int[] kernel, int[] strides, int[] pad, INDArray biasGradView, INDArray weightGradView, IActivation afn,
      AlgoMode mode, BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo, ConvolutionMode convolutionMode,
      int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
    if (unsupported(dilation, format) || !fits(kernel, strides, pad, dilation, convolutionMode)) {
      throw new UnsupportedOperationException("pointwise convolution supports 1x1 kernels at stride 1, unpadded, NCHW");
    }
    Im2colConvolution.Shape s = Im2colConvolution.Shape.of(input, weights, kernel, strides, pad, convolutionMode);
    int plane = s.inH() * s.inW();
    INDArray d = contiguous(delta);
    FloatPointer w = pointer(weights(weights, s));
    FloatPointer x = pointer(contiguous(input));
    FloatPointer dz = pointer(d);
    weightGradBuffer = NdBuffers.reuse(weightGradBuffer, s.outC(), s.inC());
    FloatPointer dw = pointer(weightGradBuffer);
    INDArray epsNext = inputGradient
        ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c')
        : workspaceMgr.create(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
    FloatPointer dx = pointer(epsNext);
    for (int i = 0; i < s.mb(); i++) {
      FloatPointer xi = x.getPointer((long) i * s.inC() * plane);
      FloatPointer dzi = dz.getPointer((long) i * s.outC() * plane);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s.outC(), s.inC(), plane, 1f, dzi, plane, xi, plane,
          i == 0 ? 0f : 1f, dw, s.inC());
      if (inputGradient) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, s.inC(), plane, s.outC(), 1f, w, s.inC(), dzi, plane,
            0f, dx.getPointer((long) i * s.inC() * plane), plane);
      }
    }
    weightGradView.assign(weightGradBuffer.reshape('c', weightGradView.shape()));
    Gradient gradient = new DefaultGradient();
    if (biasGradView != null && bias != null) {
      biasGradView.assign(d.sum(0, 2, 3).reshape(biasGradView.shape()));
      gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
    }
    gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
    return new Pair<>(gradient, epsNext);
  }

  /** The layer's weights in this helper's contiguous [out x in] matrix. */
  private INDArray weights(INDArray weights, Im2colConvolution.Shape s) {
    weightMatrix = NdBuffers.reuse(weightMatrix, s.outC(), s.inC());
    weightMatrix.assign(weights.reshape('c', s.outC(), s.inC()));
    return weightMatrix;
  }

  /** {@code a} itself when BLAS can read it as it is (contiguous, c-order, offset 0), else such a copy. */
  private static INDArray contiguous(INDArray a) {
    return NdBuffers.isContiguous(a) ? a : a.dup('c');
  }

  /** A pointer to a contiguous array's first element ({@code getPointer(i)}: to its i-th). */
  private static FloatPointer pointer(INDArray a) {
    return new FloatPointer(a.data().addressPointer());
  }
}
