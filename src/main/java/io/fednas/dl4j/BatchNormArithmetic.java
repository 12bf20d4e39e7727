package io.fednas.dl4j;

import java.util.Arrays;

/**
 * The arithmetic of batch normalization over N float images ({@link Images}: Java arrays or ND4J's
 * memory), channel-first (NCHW) or channel-last (NHWC): the batch statistics, the normalization, and
 * the gradients. Both layouts give the same bits: every value is computed by the same float
 * operations, and each channel's sum adds the same terms in the same order.
 *
 * <p>How it is laid out, and why: the JIT vectorizes a loop only when every array in it is indexed
 * by the same expression, and a loop over one channel's plane (16 to 784 values here) is mostly
 * its scalar head and tail. So the work goes an image at a time: the image's C x P values are
 * read into the start of a buffer, the per-channel constants (mean, scale, shift) are laid out
 * like an image once per call, and each pass is one loop over C x P values with one index for all
 * its arrays. Per-channel sums are first summed per value over the images (in float lanes), then
 * each channel's lanes in double.
 *
 * <p>Not thread-safe: it keeps its buffers between calls (one instance per layer, and a network is
 * trained by one thread at a time).
 */
final class BatchNormArithmetic {

  /** N images of C channels of a plane of P values, row-major: [N, C, P], or [N, P, C] when channel-last. */
  record Shape(int n, int c, int p, boolean channelLast) {
    int image() {
      return c * p;
    }

    int length() {
      return n * c * p;
    }
  }

  private float[] x = new float[0]; // one image of the input
  private float[] dy = new float[0]; // one image of dL/dout
  private float[] out = new float[0]; // one image of the result
  private float[] laneA = new float[0]; // per value of an image, a sum over the images
  private float[] laneB = new float[0];
  private float[] meanRow = new float[0]; // per-channel constants laid out like an image
  private float[] rowA = new float[0];
  private float[] rowB = new float[0];
  private float[] rowC = new float[0];

  /** Per channel: the mean and the biased variance over the batch and the plane (a second pass about the mean). */
  void statistics(float[] in, Shape s, float[] mean, float[] var) {
    statistics(Images.of(in), s, mean, var);
  }

  void statistics(Images in, Shape s, float[] mean, float[] var) {
    size(s);
    int m = s.image();
    double count = (double) s.n() * s.p();
    Arrays.fill(laneA, 0, m, 0f);
    for (int b = 0; b < s.n(); b++) {
      in.read(b, x, m);
      add(laneA, x, m);
    }
    sumPerChannel(laneA, s, mean, 1 / count);
    perChannel(mean, s, meanRow);
    Arrays.fill(laneB, 0, m, 0f);
    for (int b = 0; b < s.n(); b++) {
      in.read(b, x, m);
      addSquaredDeviation(laneB, x, meanRow, m);
    }
    sumPerChannel(laneB, s, var, 1 / count);
  }

  /** result = in x scale + shift, per channel. */
  void normalize(float[] in, Shape s, float[] scale, float[] shift, float[] result) {
    normalize(Images.of(in), s, scale, shift, false, Images.of(result));
  }

  /**
   * result = in x scale + shift, per channel, then with {@code relu} the ReLU of that, as libnd4j's
   * ReLU gives it (a value below zero becomes +0; -0 and NaN stay) when no shift is -0: a sum is -0
   * only when both its terms are, and the vectorized max this uses turns -0 into +0.
   */
  void normalize(Images in, Shape s, float[] scale, float[] shift, boolean relu, Images result) {
    if (relu && hasNegativeZero(shift)) {
      throw new IllegalArgumentException("a shift of -0 needs the ReLU applied apart");
    }
    size(s);
    int m = s.image();
    perChannel(scale, s, rowA);
    perChannel(shift, s, rowB);
    for (int b = 0; b < s.n(); b++) {
      in.read(b, x, m);
      if (relu) {
        affineRelu(x, rowA, rowB, out, m);
      } else {
        affine(x, rowA, rowB, out, m);
      }
      result.write(b, out, m);
    }
  }

  static boolean hasNegativeZero(float[] values) {
    for (float v : values) {
      if (Float.floatToRawIntBits(v) == 0x80000000) {
        return true;
      }
    }
    return false;
  }

  /**
   * With x^ = (x - mean) invStd over the batch: dBeta = sum(dy), dGamma = sum(dy x^), and dx =
   * gamma invStd (dy - dBeta / M - x^ dGamma / M), M the values per channel.
   */
  void gradient(float[] in, float[] delta, Shape s, float[] mean, float[] invStd, float[] gamma, float[] dGamma,
      float[] dBeta, float[] dx) {
    gradient(Images.of(in), Images.of(delta), s, mean, invStd, gamma, dGamma, dBeta, Images.of(dx));
  }

  void gradient(Images in, Images delta, Shape s, float[] mean, float[] invStd, float[] gamma, float[] dGamma,
      float[] dBeta, Images dx) {
    size(s);
    int m = s.image();
    double count = (double) s.n() * s.p();
    perChannel(mean, s, meanRow);
    Arrays.fill(laneA, 0, m, 0f);
    Arrays.fill(laneB, 0, m, 0f);
    for (int b = 0; b < s.n(); b++) {
      in.read(b, x, m);
      delta.read(b, dy, m);
      addWithProduct(laneA, laneB, dy, x, meanRow, m);
    }
    sumPerChannel(laneA, s, dBeta, 1);
    sumPerChannel(laneB, s, dGamma, 1); // sum(dy (x - mean)) so far
    float[] k = new float[s.c()];
    float[] slope = new float[s.c()];
    float[] offset = new float[s.c()];
    for (int c = 0; c < s.c(); c++) {
      dGamma[c] *= invStd[c];
      // dx = k dy + slope (x - mean) + offset
      k[c] = gamma[c] * invStd[c];
      slope[c] = (float) (-(double) k[c] * invStd[c] * dGamma[c] / count);
      offset[c] = (float) (-(double) k[c] * dBeta[c] / count);
    }
    perChannel(k, s, rowA);
    perChannel(slope, s, rowB);
    perChannel(offset, s, rowC);
    for (int b = 0; b < s.n(); b++) {
      in.read(b, x, m);
      delta.read(b, dy, m);
      linear(dy, x, meanRow, rowA, rowB, rowC, out, m);
      dx.write(b, out, m);
    }
  }

  private static void add(float[] lane, float[] v, int m) {
    for (int q = 0; q < m; q++) {
      lane[q] += v[q];
    }
  }

  private static void addSquaredDeviation(float[] lane, float[] v, float[] mean, int m) {
    for (int q = 0; q < m; q++) {
      float d = v[q] - mean[q];
      lane[q] += d * d;
    }
  }

  private static void affine(float[] v, float[] scale, float[] shift, float[] result, int m) {
    for (int q = 0; q < m; q++) {
      result[q] = v[q] * scale[q] + shift[q];
    }
  }

  private static void affineRelu(float[] v, float[] scale, float[] shift, float[] result, int m) {
    for (int q = 0; q < m; q++) {
      result[q] = Math.max(v[q] * scale[q] + shift[q], 0f);
    }
  }

  private static void addWithProduct(float[] sumDy, float[] sumDyX, float[] dy, float[] v, float[] mean, int m) {
    for (int q = 0; q < m; q++) {
      sumDy[q] += dy[q];
      sumDyX[q] += dy[q] * (v[q] - mean[q]);
    }
  }

  private static void linear(float[] dy, float[] v, float[] mean, float[] k, float[] slope, float[] offset,
      float[] result, int m) {
    for (int q = 0; q < m; q++) {
      result[q] = k[q] * dy[q] + slope[q] * (v[q] - mean[q]) + offset[q];
    }
  }

  /** total[c] = factor x the sum of channel c's lanes, summed in double over the plane in order. */
  private static void sumPerChannel(float[] lane, Shape s, float[] total, double factor) {
    if (s.channelLast()) {
      double[] sum = new double[s.c()];
      for (int q = 0, end = s.image(); q < end; q += s.c()) { // all channels at once, each in plane order
        for (int c = 0; c < s.c(); c++) {
          sum[c] += lane[q + c];
        }
      }
      for (int c = 0; c < s.c(); c++) {
        total[c] = (float) (sum[c] * factor);
      }
      return;
    }
    for (int c = 0; c < s.c(); c++) {
      double sum = 0;
      for (int q = c * s.p(), end = q + s.p(); q < end; q++) {
        sum += lane[q];
      }
      total[c] = (float) (sum * factor);
    }
  }

  /** Each channel's value repeated over its plane: laid out like one image. */
  private static void perChannel(float[] values, Shape s, float[] row) {
    if (s.channelLast()) {
      for (int q = 0, end = s.image(); q < end; q += s.c()) {
        System.arraycopy(values, 0, row, q, s.c());
      }
      return;
    }
    for (int c = 0; c < s.c(); c++) {
      Arrays.fill(row, c * s.p(), (c + 1) * s.p(), values[c]);
    }
  }

  private void size(Shape s) {
    int m = s.image();
    if (x.length < m) {
      x = new float[m];
      dy = new float[m];
      out = new float[m];
      laneA = new float[m];
      laneB = new float[m];
      meanRow = new float[m];
      rowA = new float[m];
      rowB = new float[m];
      rowC = new float[m];
    }
  }
}
