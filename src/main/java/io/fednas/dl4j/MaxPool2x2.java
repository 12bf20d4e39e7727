package io.fednas.dl4j;

import java.nio.IntBuffer;
import java.util.Arrays;

/**
 * Max pooling over 2 x 2 windows that tile each plane (stride 2, no padding, even heights and widths:
 * LeNet's and the McMahan CNN's pooling), forward pass with each window's argmax kept, and a backprop
 * that only scatters each window's gradient to its kept argmax.
 *
 * <p>The forward pass computes what libnd4j's {@code maxpool2d} loop computes: a running maximum from
 * -3.402823e38 (libnd4j's largest float, written rounded: a little above -Float.MAX_VALUE) that a
 * value replaces only when strictly larger, so the first largest in row-major order wins, NaNs never
 * win, and a window with nothing above -3.402823e38 gives that value (and its first element as
 * argmax, where {@code maxpool2d_bp} sends the gradient). The comparisons are done on integers that
 * order as the floats do, without branches: on ReLU outputs (zeros and positives in no pattern) a
 * branch per comparison is mispredicted about every other time. A plane of such outputs (no sign
 * bit, no NaN) is compared on the floats' bits as they are, which order so; other planes on keys
 * made from the bits, which order negatives, -0 and NaNs too but take more work to make.
 *
 * <p>Why keep the argmax: the backprop otherwise finds each window's largest input again
 * ({@link MaxPoolBackprop}), as many comparisons as the forward pass; PyTorch keeps indices the same way.
 * Planes are copied to arrays on the heap and back in one memcpy each, which the JIT compiles to
 * tighter loops than element-by-element reads of native memory.
 */
final class MaxPool2x2 {
  /** libnd4j's running maximum starts here, and stays here where nothing in a window is above it. */
  private static final float START = -3.402823e38f;
  private static final int START_BITS = Float.floatToRawIntBits(START);
  private static final int FLOOR = key(START_BITS);

  /** A plane's bits and its pooled quarter's. */
  private int[] plane = new int[0];
  private int[] pooled = new int[0];

  /** Whether {@link #forward} can pool {@code [count planes] x inH x inW} so. */
  static boolean tiles(int inH, int inW, int[] kernel, int[] strides, int[] pad, int[] dilation) {
    return kernel[0] == 2 && kernel[1] == 2 && strides[0] == 2 && strides[1] == 2 && pad[0] == 0 && pad[1] == 0
        && dilation[0] == 1 && dilation[1] == 1 && inH % 2 == 0 && inW % 2 == 0 && inH > 0 && inW > 0;
  }

  /**
   * Pools {@code count} planes of {@code inH x inW} floats, read and written as their bits, from {@code
   * x} into {@code out} (row-major, one value per window) and writes each window's argmax (0-3,
   * row-major in the window) to {@code argmax}.
   */
  void forward(IntBuffer x, IntBuffer out, byte[] argmax, int count, int inH, int inW) {
    int inSize = inH * inW;
    int outSize = inSize / 4;
    fit(inSize);
    int[] p = plane;
    int[] o = pooled;
    for (int c = 0; c < count; c++) {
      x.get(c * inSize, p, 0, inSize);
      if (nonNegative(p, inSize)) {
        forwardNonNegative(p, o, argmax, c * outSize, inH, inW);
      } else {
        forwardAny(p, o, argmax, c * outSize, inH, inW);
      }
      out.put(c * outSize, o, 0, outSize);
    }
  }

  /**
   * Whether the first {@code n} floats are all +0, positive or +infinity (no sign bit, no NaN), as a
   * ReLU's outputs are: their bits then order as the floats do.
   */
  private static boolean nonNegative(int[] bits, int n) {
    int any = 0;
    for (int i = 0; i < n; i++) {
      any |= bits[i] | bits[i] + 0x7fffff; // the sum's sign bit is set above +infinity's bits: a NaN
    }
    return any >= 0;
  }

  /** {@link #forwardAny} on a plane of {@link #nonNegative} floats: their bits compared as they are. */
  private static void forwardNonNegative(int[] p, int[] o, byte[] argmax, int window, int inH, int inW) {
    for (int oy = 0, w = 0; oy < inH / 2; oy++) {
      for (int a = 2 * oy * inW, end = a + inW; a < end; a += 2, w++) {
        int best = p[a];
        int k = p[a + 1];
        int later = (best - k) >> 31; // all ones when k > best; no overflow between non-negative ints
        best ^= (best ^ k) & later;
        int at = 1 & later;
        k = p[a + inW];
        later = (best - k) >> 31;
        best ^= (best ^ k) & later;
        at ^= (at ^ 2) & later;
        k = p[a + inW + 1];
        later = (best - k) >> 31;
        best ^= (best ^ k) & later;
        at ^= (at ^ 3) & later;
        argmax[window + w] = (byte) at;
        o[w] = best;
      }
    }
  }

  /** One plane, any floats: the running maximum on {@link #key}s, from libnd4j's start value. */
  private static void forwardAny(int[] p, int[] o, byte[] argmax, int window, int inH, int inW) {
    for (int oy = 0, w = 0; oy < inH / 2; oy++) {
      for (int a = 2 * oy * inW, end = a + inW; a < end; a += 2, w++) {
        int b = a + inW;
        int best = FLOOR;
        int at = 0;
        int k = key(p[a]);
        int later = (int) (((long) best - k) >> 63); // all ones when k > best
        best ^= (best ^ k) & later; // the argmax stays 0
        k = key(p[a + 1]);
        later = (int) (((long) best - k) >> 63);
        best ^= (best ^ k) & later;
        at ^= (at ^ 1) & later;
        k = key(p[b]);
        later = (int) (((long) best - k) >> 63);
        best ^= (best ^ k) & later;
        at ^= (at ^ 2) & later;
        k = key(p[b + 1]);
        later = (int) (((long) best - k) >> 63);
        best ^= (best ^ k) & later;
        at ^= (at ^ 3) & later;
        argmax[window + w] = (byte) at;
        o[w] = best == FLOOR ? START_BITS : p[(at >> 1) * inW + (at & 1) + a];
      }
    }
  }

  /**
   * dL/dx from dL/dout ({@code g}, one value per window) and the argmax of the forward pass: each
   * window's gradient at its argmax, zero at its other three inputs; every value of {@code dx} written.
   */
  void backprop(IntBuffer g, byte[] argmax, IntBuffer dx, int count, int inH, int inW) {
    fit(inH * inW);
    int[] d = plane;
    int[] gp = pooled;
    int inSize = inH * inW;
    int outSize = inSize / 4;
    for (int c = 0; c < count; c++) {
      g.get(c * outSize, gp, 0, outSize);
      Arrays.fill(d, 0, inSize, 0);
      // window o of the plane has its top-left input at a, its bottom-left at a + inW
      for (int o = 0, rowStart = 0; o < outSize; rowStart += 2 * inW) {
        for (int rowEnd = o + inW / 2, a = rowStart; o < rowEnd; o++, a += 2) {
          int at = argmax[c * outSize + o];
          d[a + (at >> 1) * inW + (at & 1)] = gp[o];
        }
      }
      dx.put(c * inSize, d, 0, inSize);
    }
  }

  /** Scratch room for a plane of {@code inSize} inputs. */
  private void fit(int inSize) {
    if (plane.length < inSize) {
      plane = new int[inSize];
      pooled = new int[inSize / 4];
    }
  }

  /**
   * An int that orders as the float with these bits does, -0 equal to +0, and NaN below everything
   * (it never compares larger); {@link #START}'s is above Integer.MIN_VALUE, so a NaN never passes the
   * running maximum.
   */
  private static int key(int bits) {
    int sign = bits >> 31; // all ones for negative values
    int ordered = ((bits & 0x7fffffff) ^ sign) - sign; // sign and magnitude to two's complement
    int nan = (0x7f800000 - (bits & 0x7fffffff)) >> 31; // all ones for a NaN
    return ordered & ~nan | Integer.MIN_VALUE & nan;
  }
}
