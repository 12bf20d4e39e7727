package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DepthwiseKernel} against the depthwise convolution's definition, summed element by element:
 * forward output, input gradient and weight gradient, for strides 1 and 2, paddings that are
 * symmetric, one-sided or absent, planes from 1 to 9 pixels wide, and one instance reused across
 * shapes (it keeps row buffers between calls, which must never leak into a result).
 */
class DepthwiseKernelTest {

  private static float[] random(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextFloat() - 0.5f;
    }
    return a;
  }

  private static int at(DepthwiseKernel.Geometry g, int b, int y, int x, int c, int width, int height) {
    return ((b * height + y) * width + x) * g.c() + c;
  }

  @Test
  void forwardAndGradientsFollowTheDefinition() {
    Random r = new Random(7);
    DepthwiseKernel kernel = new DepthwiseKernel();
    // {n, c, h, w, k, stride, padTop, padLeft}; the output size as DL4J's Same or Truncate mode gives it
    int[][] cases = {{2, 3, 7, 7, 3, 1, 1, 1}, {3, 5, 8, 8, 3, 2, 0, 0}, {2, 4, 7, 7, 3, 2, 1, 1}, {1, 2, 5, 6, 3, 1, 0, 0},
        {2, 17, 4, 4, 3, 1, 1, 1}, {2, 3, 9, 5, 3, 2, 1, 0}, {1, 1, 1, 1, 3, 1, 1, 1}, {2, 6, 6, 6, 5, 1, 2, 2}};
    for (int[] t : cases) {
      int n = t[0];
      int c = t[1];
      int h = t[2];
      int w = t[3];
      int k = t[4];
      int s = t[5];
      int outH = t[6] > 0 || s == 2 && h % 2 == 0 ? (h + s - 1) / s : (h - k) / s + 1;
      int outW = t[7] > 0 || s == 2 && w % 2 == 0 ? (w + s - 1) / s : (w - k) / s + 1;
      DepthwiseKernel.Geometry g = new DepthwiseKernel.Geometry(n, c, h, w, outH, outW, k, s, t[6], t[7]);
      String what = Arrays.toString(t);
      float[] x = random(r, g.inputLength());
      float[] weights = random(r, k * k * c);
      float[] delta = random(r, g.outputLength());
      float[] z = new float[g.outputLength() + 2];
      Arrays.fill(z, Float.NaN); // overwritten, never added to
      kernel.forward(g, x, weights, z);
      float[] dx = random(r, g.inputLength());
      float[] dw = random(r, weights.length);
      kernel.backward(g, x, weights, delta, dx, dw);

      double[] wantZ = new double[g.outputLength()];
      double[] wantDx = new double[g.inputLength()];
      double[] wantDw = new double[weights.length];
      for (int b = 0; b < n; b++) {
        for (int oy = 0; oy < outH; oy++) {
          for (int ox = 0; ox < outW; ox++) {
            for (int ch = 0; ch < c; ch++) {
              int o = at(g, b, oy, ox, ch, outW, outH);
              for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                  int iy = oy * s + i - t[6];
                  int ix = ox * s + j - t[7];
                  if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                    int in = at(g, b, iy, ix, ch, w, h);
                    int tap = (i * k + j) * c + ch;
                    wantZ[o] += (double) weights[tap] * x[in];
                    wantDx[in] += (double) weights[tap] * delta[o];
                    wantDw[tap] += (double) delta[o] * x[in];
                  }
                }
              }
            }
          }
        }
      }
      assertClose(wantZ, z, what + " output");
      assertEquals(Float.NaN, z[g.outputLength()], what + ": wrote past the output");
      assertClose(wantDx, dx, what + " input gradient");
      assertClose(wantDw, dw, what + " weight gradient");
    }
  }

  private static void assertClose(double[] want, float[] got, String what) {
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], 1e-5 * Math.max(1, Math.abs(want[i])), what + " at " + i);
    }
  }

  @Test
  void channelLastAndBackAreInverses() {
    Random r = new Random(3);
    for (int c : new int[] {3, 4, 6}) { // channels in blocks of four, and those left over
      float[] x = random(r, 2 * c * 20);
      float[] last = new float[x.length];
      float[] back = new float[x.length];
      DepthwiseKernel.toChannelLast(x, 2, c, 20, last);
      for (int b = 0; b < 2; b++) {
        for (int ch = 0; ch < c; ch++) {
          for (int q = 0; q < 20; q++) {
            assertEquals(x[(b * c + ch) * 20 + q], last[(b * 20 + q) * c + ch]);
          }
        }
      }
      DepthwiseKernel.toChannelFirst(last, 2, c, 20, back);
      assertArrayEquals(x, back);
    }
  }
}
