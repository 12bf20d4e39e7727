package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DepthwiseKernel} against the depthwise convolution's definition, summed element by element
 * in float, bit for bit: forward output, input gradient and weight gradient, for strides 1 and 2,
 * paddings that are symmetric, one-sided or absent, planes from 1 to 9 pixels wide, and one instance
 * reused across shapes (it keeps row buffers between calls, which must never leak into a result).
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
  static List<DepthwiseKernel.Geometry> geometries() {
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
      float[] z = new float[g.outputLength() + 2];
      Arrays.fill(z, Float.NaN); // overwritten, never added to
      float[] dx = random(r, g.inputLength());
      float[] dw = random(r, weights.length);
      kernel.forward(g, x, weights, z);
      kernel.backward(g, x, weights, delta, dx, dw);
      float[] wantZ = new float[g.outputLength()];
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
      SameBits.assertSameBits(wantZ, Arrays.copyOf(z, wantZ.length), g + " output");
      assertEquals(Float.NaN, z[wantZ.length], g + ": wrote past the output");
      SameBits.assertSameBits(wantDx, dx, g + " input gradient");
      SameBits.assertSameBits(wantDw, dw, g + " weight gradient");
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
