package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

  /**
   * Strides 1 and 2; paddings symmetric, one-sided or absent; planes 1 to 9 pixels wide; 3 x 3 and 5 x 5
   * kernels. The output size as DL4J's Same or Truncate mode gives it.
   */
  private static List<DepthwiseKernel.Geometry> geometries() {
    // {n, c, h, w, k, stride, padTop, padLeft}
    int[][] cases = {{2, 3, 7, 7, 3, 1, 1, 1}, {3, 5, 8, 8, 3, 2, 0, 0}, {2, 4, 7, 7, 3, 2, 1, 1}, {1, 2, 5, 6, 3, 1, 0, 0},
        {2, 17, 4, 4, 3, 1, 1, 1}, {2, 3, 9, 5, 3, 2, 1, 0}, {1, 1, 1, 1, 3, 1, 1, 1}, {2, 6, 6, 6, 5, 1, 2, 2},
        {2, 8, 2, 2, 3, 1, 1, 1}, {2, 8, 3, 3, 3, 2, 1, 1}};
    List<DepthwiseKernel.Geometry> geometries = new ArrayList<>();
    for (int[] t : cases) {
      int h = t[2];
      int w = t[3];
      int k = t[4];
      int s = t[5];
      int outH = t[6] > 0 || s == 2 && h % 2 == 0 ? (h + s - 1) / s : (h - k) / s + 1;
      int outW = t[7] > 0 || s == 2 && w % 2 == 0 ? (w + s - 1) / s : (w - k) / s + 1;
      geometries.add(new DepthwiseKernel.Geometry(t[0], t[1], h, w, outH, outW, k, s, t[6], t[7]));
    }
    return geometries;
  }

  @Test
  void forwardAndGradientsFollowTheDefinition() {
    Random r = new Random(7);
    DepthwiseKernel kernel = new DepthwiseKernel();
    for (DepthwiseKernel.Geometry g : geometries()) {
      int n = g.n();
      int c = g.c();
      int h = g.h();
      int w = g.w();
      int k = g.k();
      int s = g.stride();
      int outH = g.outH();
      int outW = g.outW();
      int[] t = {0, 0, 0, 0, 0, 0, g.padTop(), g.padLeft()};
      String what = g.toString();
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

  /**
   * The kernel's float results are the definition's sums in float, in the kernel's order (so the
   * layout of its loops may change without changing a bit): an output adds its taps by kernel row,
   * then column; an input gradient adds its terms by kernel row (ascending at stride 1, descending
   * otherwise), then column; a weight gradient sums each output column over images and rows, then
   * the columns in order.
   */
  @Test
  void sumsInFloatInTheKernelsOrder() {
    Random r = new Random(11);
    DepthwiseKernel kernel = new DepthwiseKernel();
    for (DepthwiseKernel.Geometry g : geometries()) {
      float[] x = random(r, g.inputLength());
      float[] weights = random(r, g.k() * g.k() * g.c());
      float[] delta = random(r, g.outputLength());
      float[] z = new float[g.outputLength()];
      float[] dx = new float[g.inputLength()];
      float[] dw = new float[weights.length];
      kernel.forward(g, x, weights, z);
      kernel.backward(g, x, weights, delta, dx, dw);
      float[] wantZ = new float[z.length];
      float[] wantDx = new float[dx.length];
      float[] wantDw = new float[dw.length];
      for (int b = 0; b < g.n(); b++) {
        for (int ch = 0; ch < g.c(); ch++) {
          for (int oy = 0; oy < g.outH(); oy++) {
            for (int ox = 0; ox < g.outW(); ox++) {
              float sum = 0f;
              for (int i = 0; i < g.k(); i++) {
                for (int j = 0; j < g.k(); j++) {
                  int iy = oy * g.stride() + i - g.padTop();
                  int ix = ox * g.stride() + j - g.padLeft();
                  if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                    sum += weights[(i * g.k() + j) * g.c() + ch] * x[at(g, b, iy, ix, ch, g.w(), g.h())];
                  }
                }
              }
              wantZ[at(g, b, oy, ox, ch, g.outW(), g.outH())] = sum;
            }
          }
          for (int iy = 0; iy < g.h(); iy++) {
            for (int ix = 0; ix < g.w(); ix++) {
              float sum = 0f;
              for (int step = 0; step < g.k(); step++) {
                int i = g.stride() == 1 ? step : g.k() - 1 - step;
                for (int j = 0; j < g.k(); j++) {
                  int reachY = iy + g.padTop() - i;
                  int reachX = ix + g.padLeft() - j;
                  if (reachY >= 0 && reachX >= 0 && reachY % g.stride() == 0 && reachX % g.stride() == 0
                      && reachY / g.stride() < g.outH() && reachX / g.stride() < g.outW()) {
                    int o = at(g, b, reachY / g.stride(), reachX / g.stride(), ch, g.outW(), g.outH());
                    sum += weights[(i * g.k() + j) * g.c() + ch] * delta[o];
                  }
                }
              }
              wantDx[at(g, b, iy, ix, ch, g.w(), g.h())] = sum;
            }
          }
        }
      }
      for (int tap = 0; tap < g.k() * g.k(); tap++) {
        for (int ch = 0; ch < g.c(); ch++) {
          float total = 0f;
          for (int ox = 0; ox < g.outW(); ox++) {
            float column = 0f;
            for (int b = 0; b < g.n(); b++) {
              for (int oy = 0; oy < g.outH(); oy++) {
                int iy = oy * g.stride() + tap / g.k() - g.padTop();
                int ix = ox * g.stride() + tap % g.k() - g.padLeft();
                if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                  column += delta[at(g, b, oy, ox, ch, g.outW(), g.outH())] * x[at(g, b, iy, ix, ch, g.w(), g.h())];
                }
              }
            }
            total += column;
          }
          wantDw[tap * g.c() + ch] = total;
        }
      }
      SameBits.assertSameBits(wantZ, z, g + " output");
      SameBits.assertSameBits(wantDx, dx, g + " input gradient");
      SameBits.assertSameBits(wantDw, dw, g + " weight gradient");
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
