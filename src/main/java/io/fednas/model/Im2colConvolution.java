package io.fednas.model;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Convolution as one contiguous im2col (in Java) and one BLAS GEMM, plugged into DL4J's
 * ConvolutionLayer through its helper interface.
 *
 * <p>Why: in DL4J 1.0.0-M2.1 on CPU the built-in path runs libnd4j's im2col into a permuted
 * view, which took about 60% of LeNet's training time (profiled with JFR), and the oneDNN helper
 * cannot load in that release (it looks up {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, which
 * moved). Same weights layout [out, in, kH, kW] and same results up to float rounding; the test
 * suite compares both paths.
 */
final class Im2colConvolution implements ConvolutionHelper {
  private static final Field HELPER_FIELD;
  /**
   * Outputs up to this many floats (16 MB) are remembered: a training minibatch's are, an
   * evaluation batch's (500 images, no backprop to follow) are not, so a network cached per thread
   * does not hold tens of MB of heap per layer.
   */
  private static final long REMEMBER_LIMIT = 1L << 22;
  /** The im2col matrix, reused across minibatches of the same size (a helper serves one layer of one network). */
  private INDArray colBuffer;
  /** The input and shape {@link #colBuffer} now holds the im2col of. */
  private float[] colInput;
  private Shape colShape;
  /** The patch index of {@link #indexShape}. */
  private int[] index;
  private Shape indexShape;
  /**
   * The last forward call's input, weights, bias and output. DL4J's ConvolutionLayer computes the
   * forward convolution again in backprop (for the activation's derivative), and the helper's
   * backprop needs the input's im2col again: when input and parameters are bit-identical, the
   * remembered output and im2col are exactly what recomputing them would give.
   */
  private float[] lastInput;
  private float[] lastWeights;
  private float[] lastBias;
  private float[] lastOutput;
  private Shape lastShape;

  static {
    try {
      HELPER_FIELD = ConvolutionLayer.class.getDeclaredField("helper");
      HELPER_FIELD.setAccessible(true);
    } catch (NoSuchFieldException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Installs the helper on every plain 2D convolution layer of the network, on the CPU backend
   * only: on CUDA, DL4J's own path (or cuDNN) keeps the data on the GPU.
   */
  static void install(MultiLayerNetwork net) {
    if (!"CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"))) {
      return;
    }
    for (Layer layer : net.getLayers()) {
      if (layer.getClass() == ConvolutionLayer.class) {
        try {
          HELPER_FIELD.set(layer, new Im2colConvolution());
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  @Override
  public boolean checkSupported() {
    return true;
  }

  @Override
  public Map<String, Long> helperMemoryUse() {
    return Map.of();
  }

  /** Output size along one axis, as DL4J computes it for Same and Truncate modes. */
  private static int outSize(int in, int k, int s, int p, ConvolutionMode mode) {
    return mode == ConvolutionMode.Same ? (in + s - 1) / s : (in + 2 * p - k) / s + 1;
  }

  private static boolean unsupported(int[] dilation, CNN2DFormat format) {
    return format != CNN2DFormat.NCHW || dilation[0] != 1 || dilation[1] != 1;
  }

  @Override
  public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
      AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (unsupported(dilation, format)) {
      return null;
    }
    Shape s = Shape.of(input, weights, kernel, strides, pad, convolutionMode);
    float[] x = NdBuffers.toFloats(input);
    float[] w = NdBuffers.toFloats(weights);
    float[] b = bias == null ? null : NdBuffers.toFloats(bias);
    INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, weights.dataType(),
        new long[] {s.mb(), s.outC(), s.outH(), s.outW()}, 'c');
    if (lastOutput != null && s.equals(lastShape) && Arrays.equals(x, lastInput) && Arrays.equals(w, lastWeights)
        && Arrays.equals(b, lastBias)) {
      NdBuffers.copyInto(lastOutput, z);
      return z;
    }
    INDArray col = columns(x, s);
    INDArray w2d = weights.reshape('c', new long[] {s.outC(), s.k()});
    INDArray z2d = col.mmul(w2d.transpose());
    if (bias != null) {
      z2d.addiRowVector(bias.reshape(new long[] {1, s.outC()}));
    }
    z.assign(z2d.reshape('c', new long[] {s.mb(), s.outH(), s.outW(), s.outC()}).permute(0, 3, 1, 2));
    lastShape = s;
    lastInput = x;
    lastWeights = w;
    lastBias = b;
    lastOutput = z.length() <= REMEMBER_LIMIT ? NdBuffers.toFloats(z) : null;
    return z;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
      int[] kernel, int[] strides, int[] pad, INDArray biasGradView, INDArray weightGradView, IActivation afn,
      AlgoMode mode, BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo, ConvolutionMode convolutionMode,
      int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
    if (unsupported(dilation, format)) {
      throw new UnsupportedOperationException("im2col convolution supports NCHW without dilation only");
    }
    Shape s = Shape.of(input, weights, kernel, strides, pad, convolutionMode);
    float[] x = NdBuffers.toFloats(input);
    INDArray col = columns(x, s);
    // delta is dL/dz in [mb, outC, outH, outW]; rows of col are (b, y, x): match that order
    INDArray dz2d = delta.permute(0, 2, 3, 1).dup('c').reshape('c', new long[] {s.rows(), s.outC()});
    INDArray dw2d = dz2d.transpose().mmul(col);
    weightGradView.assign(dw2d.reshape('c', new long[] {s.outC(), s.inC(), s.kH(), s.kW()}));
    Gradient g = new DefaultGradient();
    if (biasGradView != null && bias != null) {
      biasGradView.assign(dz2d.sum(0).reshape(biasGradView.shape()));
      g.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
    }
    g.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
    INDArray dcol = dz2d.mmul(weights.reshape('c', new long[] {s.outC(), s.k()}));
    float[] dx = col2im(NdBuffers.toFloats(dcol), indexFor(s), s.inputLength());
    INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, weights.dataType(),
        new long[] {s.mb(), s.inC(), s.inH(), s.inW()}, 'c');
    NdBuffers.copyInto(dx, epsNext);
    return new Pair<>(g, epsNext);
  }

  @Override
  public INDArray activate(INDArray z, IActivation afn, boolean training) {
    return null; // DL4J's own activation
  }

  /** im2col of the input in the reused buffer, computed unless the buffer already holds it. */
  private INDArray columns(float[] input, Shape s) {
    if (s.equals(colShape) && Arrays.equals(input, colInput)) {
      return colBuffer;
    }
    colBuffer = NdBuffers.reuse(colBuffer, s.rows(), s.k());
    NdBuffers.copyInto(im2col(input, indexFor(s)), colBuffer);
    colInput = input;
    colShape = s;
    return colBuffer;
  }

  /**
   * For each element of the im2col matrix (rows (b, y, x), columns (c, i, j)), the input element
   * it holds, or -1 where the patch lies in the padding. One map serves both directions.
   */
  static int[] patchIndex(Shape s) {
    int k = s.k();
    int[] index = new int[s.rows() * k];
    int row = 0;
    for (int b = 0; b < s.mb(); b++) {
      for (int y = 0; y < s.outH(); y++) {
        for (int xo = 0; xo < s.outW(); xo++, row++) {
          int q = row * k;
          for (int c = 0; c < s.inC(); c++) {
            int plane = (b * s.inC() + c) * s.inH();
            for (int i = 0; i < s.kH(); i++) {
              int iy = y * s.sH() - s.pH() + i;
              for (int j = 0; j < s.kW(); j++, q++) {
                int ix = xo * s.sW() - s.pW() + j;
                index[q] = iy >= 0 && iy < s.inH() && ix >= 0 && ix < s.inW() ? (plane + iy) * s.inW() + ix : -1;
              }
            }
          }
        }
      }
    }
    return index;
  }

  /** The patch index of this shape, rebuilt only when the shape changes. */
  private int[] indexFor(Shape s) {
    if (!s.equals(indexShape)) {
      index = patchIndex(s);
      indexShape = s;
    }
    return index;
  }

  /** Gathers the patches: the im2col matrix of {@code x}. */
  static float[] im2col(float[] x, int[] index) {
    float[] col = new float[index.length];
    for (int q = 0; q < index.length; q++) {
      int src = index[q];
      if (src >= 0) {
        col[q] = x[src];
      }
    }
    return col;
  }

  /** The adjoint of {@link #im2col}: sums each patch gradient back onto its input element. */
  static float[] col2im(float[] dcol, int[] index, int inputLength) {
    float[] dx = new float[inputLength];
    for (int q = 0; q < index.length; q++) {
      int dst = index[q];
      if (dst >= 0) {
        dx[dst] += dcol[q];
      }
    }
    return dx;
  }

  /** The sizes of one convolution call. */
  record Shape(int mb, int inC, int inH, int inW, int outC, int kH, int kW, int sH, int sW, int pH, int pW,
      int outH, int outW) {

    static Shape of(INDArray input, INDArray weights, int[] kernel, int[] strides, int[] pad, ConvolutionMode mode) {
      int inH = (int) input.size(2);
      int inW = (int) input.size(3);
      return new Shape((int) input.size(0), (int) input.size(1), inH, inW, (int) weights.size(0), kernel[0], kernel[1],
          strides[0], strides[1], pad[0], pad[1], outSize(inH, kernel[0], strides[0], pad[0], mode),
          outSize(inW, kernel[1], strides[1], pad[1], mode));
    }

    int k() {
      return inC * kH * kW;
    }

    int rows() {
      return mb * outH * outW;
    }

    int inputLength() {
      return mb * inC * inH * inW;
    }
  }
}
