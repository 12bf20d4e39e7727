package io.fednas.dl4j;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
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
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Convolution as im2col (in Java) and BLAS GEMMs, a few images at a time, plugged into DL4J's
 * ConvolutionLayer through its helper interface.
 *
 * <p>Why: in DL4J 1.0.0-M2.1 on CPU the built-in path runs libnd4j's im2col into a permuted
 * view, which took about 60% of LeNet's training time (profiled with JFR), and DL4J's oneDNN helper
 * cannot load in that release (it looks up {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, which
 * moved). Where the native build has oneDNN, {@link OneDnnConvolution} takes the layers after the
 * first; this helper keeps the first layer, and all of them otherwise. Same weights layout [out, in, kH, kW] and same results up to float rounding; the test
 * suite compares both paths.
 *
 * <p>Layout: the im2col matrix is [k x n], a row per weight (c, i, j) and a column per output
 * position (b, y, x), so the GEMM W[out x k] . col gives the output channel-major, and putting it
 * in [b, out, y, x] order is a copy of contiguous blocks of y.x floats. A row of the im2col matrix
 * is filled by copying contiguous runs of input rows; at stride 1 with an output as wide as the
 * input (Same mode), by one run per image and weight. (The earlier [n x k] layout needed strided
 * ND4J permutes of the output and of the incoming gradient, and an index array as large as the
 * matrix; docs/benchmarks/2026-11-28-sessions-1-9.md has the measured difference.)
 *
 * <p>Chunks: the matrix is built, multiplied and taken apart for {@link Shape#chunk} images at a
 * time, about 1 MB, so it stays in cache between the Java copy and the GEMM. Whole, it is 40 MB for
 * the McMahan CNN's second layer at batch 64 and 300 MB for a 500-image evaluation batch. The
 * weight gradient adds up over chunks in a fixed order, so results depend on shapes only, not on
 * threads or executors.
 */
final class Im2colConvolution extends CpuConvolution {
  /**
   * The im2col matrix's size per chunk of images, in floats (1 MB). Measured against 4 MB and 2 MB
   * chunks and the whole matrix (docs/benchmarks/2026-11-28-sessions-1-9.md): no slower, and the least memory.
   */
  private static final long CHUNK_FLOATS = 1L << 18;
  /**
   * Matrix shapes kept per use: training needs up to three (full chunks, and the last chunk of a
   * full minibatch and of a client's short last one); evaluation batches add theirs.
   */
  private static final int MATRIX_SHAPES_KEPT = 4;
  /** Whether backprop computes the gradient with respect to the layer's input (false: zeros). */
  private final boolean inputGradient;
  /**
   * Java-side staging arrays by use, reused: a fresh one is a zeroed allocation, and GC. COLUMNS
   * holds a chunk's im2col matrix and, later in backprop, that chunk's gradient: the matrix has
   * been copied into ND4J by then. X holds the layer's input, INPUT its gradient.
   */
  private enum Slot { COLUMNS, OUT_BY_CHANNEL, OUT_BY_IMAGE, INPUT, X }

  private final float[][] scratch = new float[Slot.values().length][];
  /** ND4J GEMM operands and results by use, each by shape, reused across calls. */
  private enum Use { COLUMNS, OUT, DELTA, COLUMN_GRAD }

  private final Map<Use, Map<Long, INDArray>> matrices = new EnumMap<>(Use.class);
  private INDArray weightGradBuffer;

  Im2colConvolution(boolean inputGradient) {
    this.inputGradient = inputGradient;
    for (Use use : Use.values()) {
      matrices.put(use, new HashMap<>());
    }
  }

  /** Output size along one axis, as DL4J computes it for Same and Truncate modes. */
  private static int outSize(int in, int k, int s, int p, ConvolutionMode mode) {
    return mode == ConvolutionMode.Same ? (in + s - 1) / s : (in + 2 * p - k) / s + 1;
  }

  @Override
  public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
      AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (unsupported(dilation, format)) {
      return null;
    }
    Shape s = Shape.of(input, weights, kernel, strides, pad, convolutionMode);
    INDArray z = output(s, weights, workspaceMgr);
    forward(NdBuffers.toFloatsPrefix(input, scratch(Slot.X, s.inputLength())), weights,
        bias == null ? null : NdBuffers.toFloats(bias), s, z);
    return z;
  }

  /** The output into {@code z}, a chunk of images at a time. */
  private void forward(float[] x, INDArray weights, float[] b, Shape s, INDArray z) {
    INDArray w2d = weights.reshape('c', new long[] {s.outC(), s.k()});
    float[] zByImage = scratch(Slot.OUT_BY_IMAGE, s.outC() * s.columns());
    int g = s.chunk();
    for (int b0 = 0; b0 < s.mb(); b0 += g) {
      int b1 = Math.min(s.mb(), b0 + g);
      INDArray col = columns(x, s, b0, b1);
      INDArray out = matrix(Use.OUT, s.outC(), col.columns());
      OneDnnGemm.gemm(w2d, col, out, false, false, 1.0, 0.0);
      batchMajor(NdBuffers.toFloatsPrefix(out, scratch(Slot.OUT_BY_CHANNEL, (int) out.length())), b, s, b0, b1, zByImage);
    }
    NdBuffers.copyPrefixInto(zByImage, z);
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
    float[] x = NdBuffers.toFloatsPrefix(input, scratch(Slot.X, s.inputLength()));
    float[] deltaByImage = NdBuffers.toFloatsPrefix(delta, scratch(Slot.OUT_BY_IMAGE, s.outC() * s.columns()));
    INDArray w2d = weights.reshape('c', new long[] {s.outC(), s.k()});
    weightGradBuffer = NdBuffers.reuse(weightGradBuffer, s.outC(), s.k());
    long[] inputShape = {s.mb(), s.inC(), s.inH(), s.inW()};
    float[] dx = inputGradient ? scratch(Slot.INPUT, s.inputLength()) : null;
    int g = s.chunk();
    for (int b0 = 0; b0 < s.mb(); b0 += g) {
      int b1 = Math.min(s.mb(), b0 + g);
      INDArray col = columns(x, s, b0, b1); // built again: keeping the forward's chunks would undo the chunking
      // dL/dz of these images as [out x columns], the layout of W . col; every GEMM writes a c-order
      // buffer of the helper's (ND4J's mmul of a transposed operand returns f-order, and reading that
      // back costs a transpose); the weight gradient adds up over chunks (beta 1 after the first)
      INDArray deltaChunk = matrix(Use.DELTA, s.outC(), col.columns());
      float[] deltaByChannel = scratch(Slot.OUT_BY_CHANNEL, (int) deltaChunk.length());
      channelMajor(deltaByImage, s, b0, b1, deltaByChannel);
      NdBuffers.copyPrefixInto(deltaByChannel, deltaChunk);
      OneDnnGemm.gemm(deltaChunk, col, weightGradBuffer, false, true, 1.0, b0 == 0 ? 0.0 : 1.0);
      if (dx != null) {
        INDArray colGrad = matrix(Use.COLUMN_GRAD, s.k(), col.columns());
        OneDnnGemm.gemm(w2d, deltaChunk, colGrad, true, false, 1.0, 0.0);
        col2im(NdBuffers.toFloatsPrefix(colGrad, scratch(Slot.COLUMNS, (int) colGrad.length())), s, b0, b1, dx);
      }
    }
    weightGradView.assign(weightGradBuffer.reshape('c', new long[] {s.outC(), s.inC(), s.kH(), s.kW()}));
    Gradient gradient = new DefaultGradient();
    if (biasGradView != null && bias != null) {
      NdBuffers.write(channelSums(deltaByImage, s), biasGradView);
      gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
    }
    gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
    if (dx == null) {
      return new Pair<>(gradient, workspaceMgr.create(ArrayType.ACTIVATION_GRAD, weights.dataType(), inputShape, 'c'));
    }
    INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, weights.dataType(), inputShape, 'c');
    NdBuffers.copyPrefixInto(dx, epsNext);
    return new Pair<>(gradient, epsNext);
  }

  /** A staging array of at least {@code length} floats: kept at the largest size needed, so a last short chunk or minibatch does not reallocate. */
  private float[] scratch(Slot slot, int length) {
    float[] a = scratch[slot.ordinal()];
    if (a == null || a.length < length) {
      a = new float[length];
      scratch[slot.ordinal()] = a;
    }
    return a;
  }

  /** A reused c-order ND4J matrix for this use and shape (a minibatch's last chunk may be narrower). */
  private INDArray matrix(Use use, int rows, int cols) {
    Map<Long, INDArray> byShape = matrices.get(use);
    if (byShape.size() > MATRIX_SHAPES_KEPT) {
      byShape.clear(); // evaluation batches of other sizes: do not let them pile up
    }
    return byShape.computeIfAbsent(((long) rows << 32) | cols, key -> NdBuffers.reuse(null, rows, cols));
  }

  /** The im2col matrix of images [b0, b1) in a reused ND4J buffer. */
  private INDArray columns(float[] x, Shape s, int b0, int b1) {
    float[] col = scratch(Slot.COLUMNS, s.k() * (b1 - b0) * s.outH() * s.outW());
    im2col(x, s, b0, b1, col);
    INDArray colBuffer = matrix(Use.COLUMNS, s.k(), (b1 - b0) * s.outH() * s.outW());
    NdBuffers.copyPrefixInto(col, colBuffer);
    return colBuffer;
  }

  /** Each output channel's sum over images and positions of [b, out, y.x] values: the bias gradient. */
  private static float[] channelSums(float[] byImage, Shape s) {
    int plane = s.outH() * s.outW();
    double[] sums = new double[s.outC()];
    for (int b = 0; b < s.mb(); b++) {
      for (int o = 0; o < s.outC(); o++) {
        int from = (b * s.outC() + o) * plane;
        double sum = 0;
        for (int p = 0; p < plane; p++) {
          sum += byImage[from + p];
        }
        sums[o] += sum;
      }
    }
    float[] out = new float[s.outC()];
    for (int o = 0; o < out.length; o++) {
      out[o] = (float) sums[o];
    }
    return out;
  }

  /**
   * The im2col matrix of images [b0, b1) of {@code x} into {@code col}, which may hold anything
   * before: [k x n] in row-major order, n = (b1 - b0).outH.outW, element ((c, i, j), (b - b0, y, xo))
   * being input (b, c, y.sH - pH + i, xo.sW - pW + j), or 0 in the padding.
   */
  static void im2col(float[] x, Shape s, int b0, int b1, float[] col) {
    if (s.rowsAlign()) { // every element written below, padding included
      new PlaneRuns(s, b0, b1) {
        @Override
        void run(int block, int src, int dst, int from, int to, int shift, int rows) {
          if (rows == 0) {
            Arrays.fill(col, block, block + s.outH() * s.outW(), 0f);
            return;
          }
          Arrays.fill(col, block, dst + from, 0f); // rows above the input, and the first wrapped
          System.arraycopy(x, src + from, col, dst + from, to - from);
          Arrays.fill(col, dst + to, block + s.outH() * s.outW(), 0f); // the last wrapped, rows below
          zeroWrapped(col, dst, shift, rows, s.inW());
        }
      }.visit();
      return;
    }
    if (!s.windowsInside()) {
      Arrays.fill(col, 0, s.k() * (b1 - b0) * s.outH() * s.outW(), 0f); // padding is never written below
    }
    new Patches(s, b0, b1) {
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

  /**
   * The adjoint of {@link #im2col}: sums each patch gradient of images [b0, b1) back onto its input
   * element, into those images of {@code dx}, which may hold anything before there; the rest of
   * {@code dx} is left alone. Elements of {@code dcol} that belong to the padding may be set to 0.
   */
  static void col2im(float[] dcol, Shape s, int b0, int b1, float[] dx) {
    int image = s.inC() * s.inH() * s.inW();
    Arrays.fill(dx, b0 * image, b1 * image, 0f);
    if (s.rowsAlign()) {
      new PlaneRuns(s, b0, b1) {
        @Override
        void run(int block, int src, int dst, int from, int to, int shift, int rows) {
          if (rows == 0) {
            return;
          }
          zeroWrapped(dcol, dst, shift, rows, s.inW()); // adds 0 where the run wraps: exact
          for (int t = from; t < to; t++) {
            dx[src + t] += dcol[dst + t];
          }
        }
      }.visit();
      return;
    }
    new Patches(s, b0, b1) {
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

  /** Sets to 0 the elements of a plane run that wrapped around a row's edge: they belong to the padding. */
  private static void zeroWrapped(float[] a, int dst, int shift, int rows, int width) {
    // element stores, not Arrays.fill: a call per row of one or two elements cost more than the copy
    int first = shift < 0 ? 0 : width - shift;
    int count = Math.abs(shift);
    for (int r = 0; r < rows; r++) {
      int at = dst + r * width + first;
      for (int e = 0; e < count; e++) {
        a[at + e] = 0f;
      }
    }
  }

  /**
   * Walks the im2col matrix of images [b0, b1) a plane at a time, when windows move by one and the
   * output is as wide as the input ({@link Shape#rowsAlign}): then for a weight (c, i, j) and an
   * image, the inputs of all output rows that lie inside the image are one contiguous run of the
   * input plane, shifted by j - pW, and the matrix row's elements are contiguous too. The run's
   * elements {@code from} to {@code to} lie in the input; those of them that wrapped around a row's
   * edge (|shift| per row) belong to the padding.
   */
  private abstract static class PlaneRuns {
    private final Shape s;
    private final int b0;
    private final int b1;

    PlaneRuns(Shape s, int b0, int b1) {
      this.s = s;
      this.b0 = b0;
      this.b1 = b1;
    }

    /**
     * One (weight, image): the matrix row's block of outH.outW elements starts at {@code block}, the
     * run at {@code dst} (its first row inside the input), {@code rows} rows long (0: all padding).
     */
    abstract void run(int block, int src, int dst, int from, int to, int shift, int rows);

    final void visit() {
      int width = s.inW();
      int plane = s.outH() * width;
      int n = (b1 - b0) * plane;
      for (int c = 0; c < s.inC(); c++) {
        for (int i = 0; i < s.kH(); i++) {
          // output rows whose input row y - pH + i lies in [0, inH)
          int y0 = Math.min(s.outH(), Math.max(0, s.pH() - i));
          int y1 = Math.max(y0, Math.min(s.outH(), s.inH() + s.pH() - i));
          for (int j = 0; j < s.kW(); j++) {
            int row = ((c * s.kH() + i) * s.kW() + j) * n;
            int shift = j - s.pW();
            int from = Math.max(0, -shift);
            int to = (y1 - y0) * width - Math.max(0, shift);
            // a kernel wider than the input: a shift of the whole width leaves every element in the padding
            int rows = Math.abs(shift) < width ? y1 - y0 : 0;
            for (int b = b0; b < b1; b++) {
              int src = ((b * s.inC() + c) * s.inH() + y0 - s.pH() + i) * width + shift;
              int block = row + (b - b0) * plane;
              run(block, src, block + y0 * width, from, to, shift, rows);
            }
          }
        }
      }
    }
  }

  /**
   * Walks the im2col matrix of images [b0, b1) a run at a time: for each weight (c, i, j), image b and output row y,
   * the output columns xo in [from, to) whose input lies inside the image, the input element of
   * xo being {@code src + xo.sW} and its matrix element {@code dst + xo}. Rows in the padding are skipped.
   */
  private abstract static class Patches {
    private final Shape s;
    private final int b0;
    private final int b1;

    Patches(Shape s, int b0, int b1) {
      this.s = s;
      this.b0 = b0;
      this.b1 = b1;
    }

    abstract void run(int src, int dst, int from, int to);

    final void visit() {
      int plane = s.outH() * s.outW();
      int n = (b1 - b0) * plane;
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
            for (int b = b0; b < b1; b++) {
              int image = (b * s.inC() + c) * s.inH();
              for (int y = 0; y < s.outH(); y++) {
                int iy = y * s.sH() - s.pH() + i;
                if (iy >= 0 && iy < s.inH()) {
                  run((image + iy) * s.inW() - s.pW() + j, row + (b - b0) * plane + y * s.outW(), from, to);
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

  /**
   * Images [b0, b1) from [out x columns] (the GEMM's layout, columns those images' positions) to
   * [b, out, y.x] (DL4J's), adding each channel's bias.
   */
  static void batchMajor(float[] zByChannel, float[] bias, Shape s, int b0, int b1, float[] z) {
    int plane = s.outH() * s.outW();
    int n = (b1 - b0) * plane;
    for (int o = 0; o < s.outC(); o++) {
      float add = bias == null ? 0f : bias[o];
      for (int b = b0; b < b1; b++) {
        int from = o * n + (b - b0) * plane;
        int to = (b * s.outC() + o) * plane;
        for (int p = 0; p < plane; p++) {
          z[to + p] = zByChannel[from + p] + add;
        }
      }
    }
  }

  /** Images [b0, b1) from [b, out, y.x] to [out x columns]: the inverse of {@link #batchMajor}, without bias. */
  static void channelMajor(float[] zByImage, Shape s, int b0, int b1, float[] z) {
    int plane = s.outH() * s.outW();
    int n = (b1 - b0) * plane;
    for (int b = b0; b < b1; b++) {
      for (int o = 0; o < s.outC(); o++) {
        System.arraycopy(zByImage, (b * s.outC() + o) * plane, z, o * n + (b - b0) * plane, plane);
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

    /**
     * Whether windows move by one and the output is as wide as the input (Same mode at stride 1):
     * then an input row's successor is the next output row's too, and im2col copies whole planes.
     */
    boolean rowsAlign() {
      return sH == 1 && sW == 1 && outW == inW;
    }

    /** Whether every window lies inside the input: no padding, so im2col writes every element. */
    boolean windowsInside() {
      return pH == 0 && pW == 0 && (outH - 1) * sH + kH <= inH && (outW - 1) * sW + kW <= inW;
    }

    /** Images per chunk: as many as keep the chunk's im2col matrix within {@link #CHUNK_FLOATS}, at least one. */
    int chunk() {
      return Math.max(1, Math.min(mb, (int) (CHUNK_FLOATS / ((long) k() * outH * outW))));
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
