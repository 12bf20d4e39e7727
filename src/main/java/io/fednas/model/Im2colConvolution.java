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
 *
 * <p>Layout: the im2col matrix is [k x n], a row per weight (c, i, j) and a column per output
 * position (b, y, x), so the GEMM W[out x k] . col gives the output channel-major, and putting it
 * in [b, out, y, x] order is a copy of contiguous blocks of y.x floats. A row of the im2col matrix
 * is filled by copying contiguous runs of input rows. (The earlier [n x k] layout needed strided
 * ND4J permutes of the output and of the incoming gradient, and an index array as large as the
 * matrix; docs/BENCHMARKS.md has the measured difference.)
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
  /** Whether backprop computes the gradient with respect to the layer's input (false: zeros). */
  private final boolean inputGradient;
  /** Java-side staging arrays by use, reused: a fresh one is a zeroed allocation of up to 20 MB, and GC. */
  private enum Slot { COLUMNS, OUT_BY_CHANNEL, OUT_BY_IMAGE, INPUT }

  private final float[][] scratch = new float[Slot.values().length][];
  /** GEMM operands and results, reused across minibatches of the same size. */
  private INDArray outBuffer;
  private INDArray deltaBuffer;
  private INDArray weightGradBuffer;
  private INDArray colGradBuffer;
  /** The input and shape {@link #colBuffer} now holds the im2col of. */
  private float[] colInput;
  private Shape colShape;
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
   * only: on CUDA, DL4J's own path (or cuDNN) keeps the data on the GPU. On the network's first
   * layer the helper does not compute the gradient with respect to the network's input: fit()
   * discards it (MultiLayerNetwork.calcBackpropGradients sets it to null), and it would cost that
   * layer's largest GEMM and its col2im. So a network built here returns zeros, not input
   * gradients, from backpropGradient: nothing in the job asks for them.
   */
  static void install(MultiLayerNetwork net) {
    if (!"CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"))) {
      return;
    }
    Layer[] layers = net.getLayers();
    for (Layer layer : layers) {
      if (layer.getClass() == ConvolutionLayer.class) {
        try {
          HELPER_FIELD.set(layer, new Im2colConvolution(layer != layers[0]));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  Im2colConvolution(boolean inputGradient) {
    this.inputGradient = inputGradient;
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
    outBuffer = NdBuffers.reuse(outBuffer, s.outC(), s.columns());
    Nd4j.gemm(w2d, col, outBuffer, false, false, 1.0, 0.0);
    float[] zByImage = scratch(Slot.OUT_BY_IMAGE, s.outC() * s.columns());
    batchMajor(NdBuffers.toFloats(outBuffer, scratch(Slot.OUT_BY_CHANNEL, s.outC() * s.columns())), b, s, zByImage);
    NdBuffers.copyInto(zByImage, z);
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
    INDArray col = columns(NdBuffers.toFloats(input), s);
    // dL/dz as [out x n], the layout of W . col; every GEMM writes a c-order buffer of the helper's
    // (ND4J's mmul of a transposed operand returns f-order, and reading that back costs a transpose)
    deltaBuffer = NdBuffers.reuse(deltaBuffer, s.outC(), s.columns());
    float[] deltaByChannel = scratch(Slot.OUT_BY_CHANNEL, s.outC() * s.columns());
    channelMajor(NdBuffers.toFloats(delta, scratch(Slot.OUT_BY_IMAGE, s.outC() * s.columns())), s, deltaByChannel);
    NdBuffers.copyInto(deltaByChannel, deltaBuffer);
    weightGradBuffer = NdBuffers.reuse(weightGradBuffer, s.outC(), s.k());
    Nd4j.gemm(deltaBuffer, col, weightGradBuffer, false, true, 1.0, 0.0);
    weightGradView.assign(weightGradBuffer.reshape('c', new long[] {s.outC(), s.inC(), s.kH(), s.kW()}));
    Gradient g = new DefaultGradient();
    if (biasGradView != null && bias != null) {
      biasGradView.assign(deltaBuffer.sum(1).reshape(biasGradView.shape()));
      g.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
    }
    g.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
    long[] inputShape = {s.mb(), s.inC(), s.inH(), s.inW()};
    if (!inputGradient) {
      return new Pair<>(g, workspaceMgr.create(ArrayType.ACTIVATION_GRAD, weights.dataType(), inputShape, 'c'));
    }
    INDArray w2d = weights.reshape('c', new long[] {s.outC(), s.k()});
    colGradBuffer = NdBuffers.reuse(colGradBuffer, s.k(), s.columns());
    Nd4j.gemm(w2d, deltaBuffer, colGradBuffer, true, false, 1.0, 0.0);
    INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, weights.dataType(), inputShape, 'c');
    float[] dx = scratch(Slot.INPUT, s.inputLength());
    col2im(NdBuffers.toFloats(colGradBuffer, scratch(Slot.COLUMNS, s.k() * s.columns())), s, dx);
    NdBuffers.copyInto(dx, epsNext);
    return new Pair<>(g, epsNext);
  }

  @Override
  public INDArray activate(INDArray z, IActivation afn, boolean training) {
    return null; // DL4J's own activation
  }

  private float[] scratch(Slot slot, int length) {
    float[] a = scratch[slot.ordinal()];
    if (a == null || a.length != length) {
      a = new float[length];
      scratch[slot.ordinal()] = a;
    }
    return a;
  }

  /** im2col of the input in the reused buffer, computed unless the buffer already holds it. */
  private INDArray columns(float[] input, Shape s) {
    if (s.equals(colShape) && Arrays.equals(input, colInput)) {
      return colBuffer;
    }
    colBuffer = NdBuffers.reuse(colBuffer, s.k(), s.columns());
    float[] col = scratch(Slot.COLUMNS, s.k() * s.columns());
    im2col(input, s, col);
    NdBuffers.copyInto(col, colBuffer);
    colInput = input;
    colShape = s;
    return colBuffer;
  }

  /**
   * The im2col matrix of {@code x}, [k x n] in row-major order: element ((c, i, j), (b, y, xo)) is
   * input (b, c, y.sH - pH + i, xo.sW - pW + j), or 0 in the padding.
   */
  static float[] im2col(float[] x, Shape s) {
    float[] col = new float[s.k() * s.columns()];
    im2col(x, s, col);
    return col;
  }

  /** {@link #im2col(float[], Shape)} into {@code col}, which may hold anything before. */
  static void im2col(float[] x, Shape s, float[] col) {
    if (!s.windowsInside()) {
      Arrays.fill(col, 0f); // the padding's elements are never written below
    }
    new Patches(s) {
      @Override
      void run(int src, int dst, int from, int to) {
        if (s.sW() == 1) {
          System.arraycopy(x, src + from, col, dst + from, to - from);
        } else {
          for (int xo = from; xo < to; xo++) {
            col[dst + xo] = x[src + xo * s.sW()];
          }
        }
      }
    }.visit();
  }

  /** The adjoint of {@link #im2col}: sums each patch gradient back onto its input element. */
  static float[] col2im(float[] dcol, Shape s) {
    float[] dx = new float[s.inputLength()];
    col2im(dcol, s, dx);
    return dx;
  }

  /** {@link #col2im(float[], Shape)} into {@code dx}, which may hold anything before. */
  static void col2im(float[] dcol, Shape s, float[] dx) {
    Arrays.fill(dx, 0f);
    new Patches(s) {
      @Override
      void run(int src, int dst, int from, int to) {
        if (s.sW() == 1) { // unit stride: no multiply in the index
          for (int xo = from; xo < to; xo++) {
            dx[src + xo] += dcol[dst + xo];
          }
        } else {
          for (int xo = from; xo < to; xo++) {
            dx[src + xo * s.sW()] += dcol[dst + xo];
          }
        }
      }
    }.visit();
  }

  /**
   * Walks the im2col matrix a run at a time: for each weight (c, i, j), image b and output row y,
   * the output columns xo in [from, to) whose input lies inside the image, the input element of
   * xo being {@code src + xo.sW} and its matrix element {@code dst + xo}. Rows in the padding are skipped.
   */
  private abstract static class Patches {
    private final Shape s;

    Patches(Shape s) {
      this.s = s;
    }

    abstract void run(int src, int dst, int from, int to);

    final void visit() {
      int n = s.columns();
      int plane = s.outH() * s.outW();
      for (int c = 0; c < s.inC(); c++) {
        for (int i = 0; i < s.kH(); i++) {
          for (int j = 0; j < s.kW(); j++) {
            int row = ((c * s.kH() + i) * s.kW() + j) * n;
            // output columns whose input column xo.sW - pW + j lies in [0, inW)
            int from = Math.max(0, ceilDiv(s.pW() - j, s.sW()));
            int to = Math.min(s.outW(), ceilDiv(s.inW() + s.pW() - j, s.sW()));
            if (from >= to) {
              continue;
            }
            for (int b = 0; b < s.mb(); b++) {
              int image = (b * s.inC() + c) * s.inH();
              for (int y = 0; y < s.outH(); y++) {
                int iy = y * s.sH() - s.pH() + i;
                if (iy >= 0 && iy < s.inH()) {
                  run((image + iy) * s.inW() - s.pW() + j, row + b * plane + y * s.outW(), from, to);
                }
              }
            }
          }
        }
      }
    }

    private static int ceilDiv(int a, int b) {
      return a <= 0 ? -((-a) / b) : (a + b - 1) / b;
    }
  }

  /** [out x n] (the GEMM's layout) to [b, out, y.x] (DL4J's), adding each channel's bias. */
  static void batchMajor(float[] zByChannel, float[] bias, Shape s, float[] z) {
    int plane = s.outH() * s.outW();
    int n = s.columns();
    for (int o = 0; o < s.outC(); o++) {
      float add = bias == null ? 0f : bias[o];
      for (int b = 0; b < s.mb(); b++) {
        int from = o * n + b * plane;
        int to = (b * s.outC() + o) * plane;
        for (int p = 0; p < plane; p++) {
          z[to + p] = zByChannel[from + p] + add;
        }
      }
    }
  }

  /** [b, out, y.x] to [out x n]: the inverse reordering of {@link #batchMajor}, without bias. */
  static void channelMajor(float[] zByImage, Shape s, float[] z) {
    int plane = s.outH() * s.outW();
    int n = s.columns();
    for (int b = 0; b < s.mb(); b++) {
      for (int o = 0; o < s.outC(); o++) {
        System.arraycopy(zByImage, (b * s.outC() + o) * plane, z, o * n + b * plane, plane);
      }
    }
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

    /** Whether every window lies inside the input: no padding, so im2col writes every element. */
    boolean windowsInside() {
      return pH == 0 && pW == 0 && (outH - 1) * sH + kH <= inH && (outW - 1) * sW + kW <= inW;
    }

    /** Output positions (b, y, x): the im2col matrix's columns. */
    int columns() {
      return mb * outH * outW;
    }

    int inputLength() {
      return mb * inC * inH * inW;
    }
  }
}
