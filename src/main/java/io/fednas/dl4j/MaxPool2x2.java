package io.fednas.dl4j;

import java.nio.FloatBuffer;

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
 * branch per comparison is mispredicted about every other time.
 *
 * <p>Why keep the argmax: the backprop otherwise finds each window's largest input again
 * ({@link MaxPoolBackprop}), as many comparisons as the forward pass; PyTorch keeps indices the same way.
 * Planes are copied to arrays on the heap and back in one memcpy each, which the JIT compiles to
 * tighter loops than element-by-element reads of native memory.
 */
final class MaxPool2x2 {
  /** libnd4j's running maximum starts here, and stays here where nothing in a window is above it. */
  private static final float START = -3.402823e38f;
  private static final int FLOOR = key(START);

  private float[] plane = new float[0];
  private float[] pooled = new float[0];

  /** Whether {@link #forward} can pool {@code [count planes] x inH x inW} so. */
  static boolean tiles(int inH, int inW, int[] kernel, int[] strides, int[] pad, int[] dilation) {
    return kernel[0] == 2 && kernel[1] == 2 && strides[0] == 2 && strides[1] == 2 && pad[0] == 0 && pad[1] == 0
        && dilation[0] == 1 && dilation[1] == 1 && inH % 2 == 0 && inW % 2 == 0 && inH > 0 && inW > 0;
  }

  /**
   * Pools {@code count} planes of {@code inH x inW} values from {@code x} into {@code out} (row-major,
   * one value per window) and writes each window's argmax (0-3, row-major in the window) to {@code argmax}.
   */
  void forward(FloatBuffer x, FloatBuffer out, byte[] argmax, int count, int inH, int inW) {
    int inSize = inH * inW;
    int outW = inW / 2;
    int outSize = inSize / 4;
    fit(inSize);
    float[] p = plane;
    float[] o = pooled;
    for (int c = 0; c < count; c++) {
      x.get(c * inSize, p, 0, inSize);
      int window = c * outSize;
      for (int oy = 0; oy < inH / 2; oy++) {
        int top = 2 * oy * inW;
        int bottom = top + inW;
        for (int ox = 0; ox < outW; ox++, window++) {
          int a = top + 2 * ox;
          int b = bottom + 2 * ox;
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
          argmax[window] = (byte) at;
          float v = p[(at >> 1) * inW + (at & 1) + a];
          o[window - c * outSize] = best == FLOOR ? START : v;
        }
      }
      out.put(c * outSize, o, 0, outSize);
    }
  }

  /**
   * dL/dx from dL/dout ({@code g}, one value per window) and the argmax of the forward pass: each
   * window's gradient at its argmax, zero at its other three inputs; every value of {@code dx} written.
   */
  void backprop(FloatBuffer g, byte[] argmax, FloatBuffer dx, int count, int inH, int inW) {
    fit(inH * inW);
    float[] d = plane;
    float[] gp = pooled;
    int inSize = inH * inW;
    int outSize = inSize / 4;
    for (int c = 0; c < count; c++) {
      g.get(c * outSize, gp, 0, outSize);
      // window o of the plane has its top-left input at a, its bottom-left at a + inW
      for (int o = 0, rowStart = 0; o < outSize; rowStart += 2 * inW) {
        for (int rowEnd = o + inW / 2, a = rowStart; o < rowEnd; o++, a += 2) {
          int at = argmax[c * outSize + o];
          int grad = Float.floatToRawIntBits(gp[o]);
          d[a] = Float.intBitsToFloat(grad & ((at - 1) >> 31)); // all ones when at == 0
          d[a + 1] = Float.intBitsToFloat(grad & (((at ^ 1) - 1) >> 31));
          d[a + inW] = Float.intBitsToFloat(grad & (((at ^ 2) - 1) >> 31));
          d[a + inW + 1] = Float.intBitsToFloat(grad & (((at ^ 3) - 1) >> 31));
        }
      }
      dx.put(c * inSize, d, 0, inSize);
    }
  }

  /** Scratch room for a plane of {@code inSize} inputs and its pooled quarter. */
  private void fit(int inSize) {
    if (plane.length < inSize) {
      plane = new float[inSize];
      pooled = new float[inSize / 4];
    }
  }

  /**
   * An int that orders as the float does, -0 equal to +0, and NaN below everything (it never compares
   * larger); {@link #START}'s is above Integer.MIN_VALUE, so a NaN never passes the running maximum.
   */
  private static int key(float v) {
    int bits = Float.floatToRawIntBits(v);
    int sign = bits >> 31; // all ones for negative values
    int ordered = ((bits & 0x7fffffff) ^ sign) - sign; // sign and magnitude to two's complement
    int nan = (0x7f800000 - (bits & 0x7fffffff)) >> 31; // all ones for a NaN
    return ordered & ~nan | Integer.MIN_VALUE & nan;
  }
}
