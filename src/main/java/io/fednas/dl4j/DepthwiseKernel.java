package io.fednas.dl4j;

import java.util.Arrays;

/**
 * The arithmetic of a depthwise k x k convolution (one filter per channel, no bias) on float
 * arrays: forward, input gradient and weight gradient, channel-last (NHWC). The caller moves
 * row-major NCHW activations in and out with {@link #toChannelLast} and {@link #toChannelFirst}
 * (between a MobileNet's kernels they are channel-last already: {@link NdBuffers#channelLastView}).
 *
 * <p>How it is laid out, and why: the JIT vectorizes a loop only when every array in it is indexed
 * by the same expression (with different offsets it cannot rule out that two arrays overlap, and
 * stays scalar). So every multiply-add runs over a row buffer indexed like an output (or input) row
 * of C x width values: the input values a tap reads are first copied into a buffer at the position
 * of the output they feed ({@link #gather}, one copy per row at stride 1), and the tap's weights
 * are kept repeated along a row ({@link #tapRows}). Then {@code acc[q] += w[q] * in[q]} fills the
 * SIMD lanes even on planes 4 pixels wide.
 *
 * <p>Weights are DL4J's depthwise layout, [kH, kW, C, 1]: tap (i, j) of channel c at {@code (i * k +
 * j) * C + c}, already channel-last.
 *
 * <p>Not thread-safe: it keeps its row buffers between calls (one instance per layer, and a network
 * is trained by one thread at a time).
 */
final class DepthwiseKernel {

  /** N images of C channels, H x W in and outH x outW out, a k x k kernel, its stride and top/left padding. */
  record Geometry(int n, int c, int h, int w, int outH, int outW, int k, int stride, int padTop, int padLeft) {
    int inputLength() {
      return n * c * h * w;
    }

    int outputLength() {
      return n * c * outH * outW;
    }

    /** The first output column whose input column ox*stride + j - padLeft is in the plane. */
    int firstColumn(int j) {
      int need = padLeft - j; // ox * stride >= need
      return need <= 0 ? 0 : (need + stride - 1) / stride;
    }

    /** One past the last output column whose input column is in the plane. */
    int endColumn(int j) {
      int last = w - 1 + padLeft - j; // ox * stride <= last
      return last < 0 ? 0 : Math.min(outW, last / stride + 1);
    }

    /** The input row that output row oy reads through kernel row i, or -1 outside the plane. */
    int inputRow(int oy, int i) {
      int iy = oy * stride + i - padTop;
      return iy >= 0 && iy < h ? iy : -1;
    }

    /** Values in the longer of an input and an output row. */
    int rowLength() {
      return Math.max(w, outW) * c;
    }
  }

  private float[][] tapRows = new float[0][]; // per tap, its C weights repeated along a row
  private float[][] weightGradientRows = new float[0][]; // per tap, its weight gradient per column
  private float[] acc = new float[0]; // the row being summed
  private float[] run = new float[0]; // the values a tap reads, at the positions of those they feed
  private float[] deltaRow = new float[0]; // one output row of dL/dz
  private float[] inputImage = new float[0]; // one image of the input
  private float[] outputImage = new float[0]; // one image of the output, or of dL/dz
  private float[] gradientImage = new float[0]; // one image of dL/dx

  /**
   * NCHW {@code src} (n x c planes of p values) into NHWC {@code dst}, four channels at a time (four
   * adjacent values written together).
   */
  static void toChannelLast(float[] src, int n, int c, int p, float[] dst) {
    for (int b = 0; b < n; b++) {
      int image = b * c * p;
      int ch = 0;
      for (; ch + 3 < c; ch += 4) {
        int f0 = image + ch * p;
        int f1 = f0 + p;
        int f2 = f1 + p;
        int f3 = f2 + p;
        for (int q = 0; q < p; q++) {
          int t = image + q * c + ch;
          dst[t] = src[f0 + q];
          dst[t + 1] = src[f1 + q];
          dst[t + 2] = src[f2 + q];
          dst[t + 3] = src[f3 + q];
        }
      }
      for (; ch < c; ch++) {
        int from = image + ch * p;
        for (int q = 0; q < p; q++) {
          dst[image + q * c + ch] = src[from + q];
        }
      }
    }
  }

  /** NHWC {@code src} into NCHW {@code dst}, four channels at a time. */
  static void toChannelFirst(float[] src, int n, int c, int p, float[] dst) {
    for (int b = 0; b < n; b++) {
      int image = b * c * p;
      int ch = 0;
      for (; ch + 3 < c; ch += 4) {
        int t0 = image + ch * p;
        int t1 = t0 + p;
        int t2 = t1 + p;
        int t3 = t2 + p;
        for (int q = 0; q < p; q++) {
          int f = image + q * c + ch;
          dst[t0 + q] = src[f];
          dst[t1 + q] = src[f + 1];
          dst[t2 + q] = src[f + 2];
          dst[t3 + q] = src[f + 3];
        }
      }
      for (; ch < c; ch++) {
        int to = image + ch * p;
        for (int q = 0; q < p; q++) {
          dst[to + q] = src[image + q * c + ch];
        }
      }
    }
  }

  /** {@code z} (NHWC, overwritten) = the convolution of {@code x} (NHWC) with {@code weights}. */
  void forward(Geometry g, float[] x, float[] weights, float[] z) {
    forward(g, Images.of(x), weights, Images.of(z));
  }

  /** As {@link #forward(Geometry, float[], float[], float[])}, an image at a time. */
  void forward(Geometry g, Images x, float[] weights, Images z) {
    prepare(g, weights);
    int c = g.c();
    int outRow = g.outW() * c;
    for (int b = 0; b < g.n(); b++) {
      x.read(b, inputImage, g.h() * g.w() * c);
      for (int oy = 0; oy < g.outH(); oy++) {
        Arrays.fill(acc, 0, outRow, 0f);
        addTapProducts(g, inputImage, oy, false);
        System.arraycopy(acc, 0, outputImage, oy * outRow, outRow);
      }
      z.write(b, outputImage, g.outH() * outRow);
    }
  }

  /**
   * From dL/dz {@code delta} (NHWC): {@code dx} (NHWC, overwritten) = dL/dx, and {@code dw}
   * (overwritten) = dL/dweights.
   */
  void backward(Geometry g, float[] x, float[] weights, float[] delta, float[] dx, float[] dw) {
    backward(g, Images.of(x), weights, Images.of(delta), Images.of(dx), dw);
  }

  /** As {@link #backward(Geometry, float[], float[], float[], float[], float[])}, an image at a time. */
  void backward(Geometry g, Images x, float[] weights, Images delta, Images dx, float[] dw) {
    prepare(g, weights);
    int c = g.c();
    int taps = g.k() * g.k();
    for (int tap = 0; tap < taps; tap++) {
      Arrays.fill(weightGradientRows[tap], 0, g.outW() * c, 0f);
    }
    for (int b = 0; b < g.n(); b++) {
      x.read(b, inputImage, g.h() * g.w() * c);
      delta.read(b, outputImage, g.outH() * g.outW() * c);
      addWeightGradient(g, inputImage, outputImage);
      if (g.stride() == 1) {
        inputGradientStrideOne(g, outputImage, gradientImage);
      } else {
        inputGradientStrided(g, outputImage, gradientImage);
      }
      dx.write(b, gradientImage, g.h() * g.w() * c);
    }
    weightGradient(g, dw);
  }

  /** Adds one image's terms to each tap's per-column weight gradient: delta times the input that tap read. */
  private void addWeightGradient(Geometry g, float[] x, float[] delta) {
    int outRow = g.outW() * g.c();
    for (int oy = 0; oy < g.outH(); oy++) {
      System.arraycopy(delta, oy * outRow, deltaRow, 0, outRow);
      addTapProducts(g, x, oy, true);
    }
  }

  /**
   * For output row {@code oy} of image {@code x}, each tap in order (kernel row, then column) that
   * reads inside the plane: the input values it reads, times its weights into the row's sum {@code
   * acc}, or times the row's dL/dz ({@code deltaRow}) into its weight gradient row.
   */
  private void addTapProducts(Geometry g, float[] x, int oy, boolean intoWeightGradient) {
    int c = g.c();
    for (int i = 0; i < g.k(); i++) {
      int iy = g.inputRow(oy, i);
      if (iy < 0) {
        continue;
      }
      for (int j = 0; j < g.k(); j++) {
        int from = g.firstColumn(j);
        int to = g.endColumn(j);
        int tap = i * g.k() + j;
        gather(g, x, iy * g.w() * c, j, from, to, run);
        if (intoWeightGradient) {
          multiplyAdd(weightGradientRows[tap], deltaRow, run, from * c, to * c);
        } else {
          multiplyAdd(acc, tapRows[tap], run, from * c, to * c);
        }
      }
    }
  }

  /** dL/dw[tap][c]: the per-column sums over images and output rows, summed over the columns in order. */
  private void weightGradient(Geometry g, float[] dw) {
    int c = g.c();
    int taps = g.k() * g.k();
    Arrays.fill(dw, 0, taps * c, 0f);
    for (int tap = 0; tap < taps; tap++) {
      float[] row = weightGradientRows[tap];
      for (int col = 0; col < g.outW(); col++) {
        for (int ch = 0; ch < c; ch++) {
          dw[tap * c + ch] += row[col * c + ch];
        }
      }
    }
  }

  /**
   * One image, stride 1: dL/dx[iy][ix] = sum over taps (i, j) of w[i][j] x delta[iy - i + padTop][ix - j +
   * padLeft], a convolution of delta like the forward one, summed an input row at a time.
   */
  private void inputGradientStrideOne(Geometry g, float[] delta, float[] dx) {
    int c = g.c();
    int inRow = g.w() * c;
    int outRow = g.outW() * c;
    for (int iy = 0; iy < g.h(); iy++) {
      Arrays.fill(acc, 0, inRow, 0f);
      for (int i = 0; i < g.k(); i++) {
        int oy = iy + g.padTop() - i;
        if (oy < 0 || oy >= g.outH()) {
          continue;
        }
        for (int j = 0; j < g.k(); j++) {
          int shift = g.padLeft() - j; // ox = ix + shift
          int from = Math.max(0, -shift);
          int to = Math.min(g.w(), g.outW() - shift);
          if (from < to) {
            System.arraycopy(delta, oy * outRow + (from + shift) * c, run, from * c, (to - from) * c);
            multiplyAdd(acc, tapRows[i * g.k() + j], run, from * c, to * c);
          }
        }
      }
      System.arraycopy(acc, 0, dx, iy * inRow, inRow);
    }
  }

  /**
   * One image, any stride, an input row at a time: for each output row oy that reads input row iy (through
   * kernel row i, oy ascending) and each kernel column j, the output row's dL/dz values are spread to
   * the input columns they read ({@link #spread}, zeros between them) and multiplied by the tap's
   * weights into the row's sum. Each input value gets its terms in the order (oy, j) and only adds
   * zeros besides, so the result is what adding each term into dL/dx directly gives, without
   * that loop's scalar adds at scattered offsets.
   */
  private void inputGradientStrided(Geometry g, float[] delta, float[] dx) {
    int c = g.c();
    int inRow = g.w() * c;
    int outRow = g.outW() * c;
    for (int iy = 0; iy < g.h(); iy++) {
      Arrays.fill(acc, 0, inRow, 0f);
      for (int i = g.k() - 1; i >= 0; i--) {
        int reach = iy + g.padTop() - i; // oy * stride
        if (reach < 0 || reach % g.stride() != 0 || reach / g.stride() >= g.outH()) {
          continue;
        }
        int deltaRowStart = reach / g.stride() * outRow;
        for (int j = 0; j < g.k(); j++) {
          int from = g.firstColumn(j);
          int to = g.endColumn(j);
          if (from < to) {
            spread(g, delta, deltaRowStart, j, from, to, run);
            multiplyAdd(acc, tapRows[i * g.k() + j], run, 0, inRow);
          }
        }
      }
      System.arraycopy(acc, 0, dx, iy * inRow, inRow);
    }
  }

  /**
   * run[ix*C + c] = delta[output row, ox, c] at ix = ox*stride + j - padLeft for output columns
   * [from, to), and 0 at every other column of the input row: the terms tap column j adds to the row.
   */
  private static void spread(Geometry g, float[] delta, int deltaRow, int j, int from, int to, float[] run) {
    int c = g.c();
    Arrays.fill(run, 0, g.w() * c, 0f);
    for (int ox = from; ox < to; ox++) {
      System.arraycopy(delta, deltaRow + ox * c, run, (ox * g.stride() + j - g.padLeft()) * c, c);
    }
  }

  /**
   * run[ox*C + c] = x[input row, ox*stride + j - padLeft, c] for output columns [from, to): the
   * values tap column j reads, where the outputs they feed sit.
   */
  private static void gather(Geometry g, float[] x, int inRow, int j, int from, int to, float[] run) {
    int c = g.c();
    if (g.stride() == 1) {
      if (from < to) {
        System.arraycopy(x, inRow + (from + j - g.padLeft()) * c, run, from * c, (to - from) * c);
      }
      return;
    }
    for (int ox = from; ox < to; ox++) {
      System.arraycopy(x, inRow + (ox * g.stride() + j - g.padLeft()) * c, run, ox * c, c);
    }
  }

  /** acc[q] += a[q] * b[q] for q in [from, to): one index for all three, so the JIT vectorizes it. */
  private static void multiplyAdd(float[] acc, float[] a, float[] b, int from, int to) {
    for (int q = from; q < to; q++) {
      acc[q] += a[q] * b[q];
    }
  }

  /** Sizes the row buffers for {@code g} and repeats each tap's weights along a row. */
  private void prepare(Geometry g, float[] weights) {
    int c = g.c();
    int taps = g.k() * g.k();
    int rowLength = g.rowLength();
    if (tapRows.length != taps || tapRows[0].length < rowLength) {
      tapRows = new float[taps][rowLength];
      weightGradientRows = new float[taps][rowLength];
    }
    if (acc.length < rowLength) {
      acc = new float[rowLength];
      run = new float[rowLength];
      deltaRow = new float[rowLength];
    }
    if (inputImage.length < g.h() * g.w() * c || outputImage.length < g.outH() * g.outW() * c) {
      inputImage = new float[g.h() * g.w() * c];
      gradientImage = new float[g.h() * g.w() * c];
      outputImage = new float[g.outH() * g.outW() * c];
    }
    for (int tap = 0; tap < taps; tap++) {
      for (int col = 0; col < rowLength / c; col++) {
        System.arraycopy(weights, tap * c, tapRows[tap], col * c, c);
      }
    }
  }
}
