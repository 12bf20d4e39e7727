package io.fednas.dl4j;

import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Max pooling's backprop, plugged into DL4J's SubsamplingLayer through its helper interface: each
 * window's gradient goes to its first largest input in row-major order, as with libnd4j's
 * {@code maxpool2d_bp}. Reads and writes ND4J's memory in place.
 *
 * <p>Why: {@code maxpool2d_bp} finds each window's largest input with branches, which on ReLU
 * outputs (zeros and positives in no pattern) are mispredicted about every other time: 9.8-10.5 ms
 * for the McMahan CNN's first pooling layer at batch 64 on one core. 2x2 windows that tile the
 * input (the common case) are done here with integer masks instead: about 4.8 ms. DL4J
 * 1.0.0-M2.1 asks the helper for backprop only; the forward pass is {@link MaxPoolLayer}'s.
 */
final class MaxPoolBackprop implements SubsamplingHelper {
  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides,
      int[] pad, PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    FloatBuffer x = NdBuffers.view(input);
    FloatBuffer g = NdBuffers.view(epsilon);
    if (poolingType != PoolingType.MAX || format != CNN2DFormat.NCHW || dilation[0] != 1 || dilation[1] != 1
        || pad[0] != 0 || pad[1] != 0 || x == null || g == null || input.rank() != 4) {
      return null; // DL4J's own path
    }
    Planes p = new Planes((int) (input.size(0) * input.size(1)), (int) input.size(2), (int) input.size(3),
        (int) epsilon.size(2), (int) epsilon.size(3));
    boolean tiles = kernel[0] == 2 && kernel[1] == 2 && strides[0] == 2 && strides[1] == 2 && p.inH() == 2 * p.outH()
        && p.inW() == 2 * p.outW();
    INDArray result;
    if (tiles) { // every input element is written
      result = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
      backprop2x2(x, g, NdBuffers.view(result), p);
    } else {
      result = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
      backprop(x, g, NdBuffers.view(result), p, kernel, strides);
    }
    return new Pair<>(new DefaultGradient(), result);
  }

  /** [images x channels] planes of inH x inW inputs pooled to outH x outW. */
  private record Planes(int count, int inH, int inW, int outH, int outW) {}

  private static void backprop2x2(FloatBuffer x, FloatBuffer g, FloatBuffer dx, Planes p) {
    for (int plane = 0; plane < p.count(); plane++) {
      for (int oy = 0; oy < p.outH(); oy++) {
        int o = (plane * p.outH() + oy) * p.outW();
        int top = (plane * p.inH() + 2 * oy) * p.inW();
        int bottom = top + p.inW();
        for (int ox = 0; ox < p.outW(); ox++) {
          int a = top + 2 * ox;
          int c = bottom + 2 * ox;
          // which of the four (0..3, row-major) is the first largest: a later one wins only when strictly larger
          int best = order(x.get(a));
          int k = order(x.get(a + 1));
          int later = (int) (((long) best - k) >> 63); // all ones when k > best
          best ^= (best ^ k) & later;
          int at = later & 1;
          k = order(x.get(c));
          later = (int) (((long) best - k) >> 63);
          best ^= (best ^ k) & later;
          at ^= (at ^ 2) & later;
          k = order(x.get(c + 1));
          later = (int) (((long) best - k) >> 63);
          at ^= (at ^ 3) & later;
          int grad = Float.floatToRawIntBits(g.get(o + ox));
          dx.put(a, Float.intBitsToFloat(grad & ((at - 1) >> 31))); // all ones when at == 0
          dx.put(a + 1, Float.intBitsToFloat(grad & (((at ^ 1) - 1) >> 31)));
          dx.put(c, Float.intBitsToFloat(grad & (((at ^ 2) - 1) >> 31)));
          dx.put(c + 1, Float.intBitsToFloat(grad & (((at ^ 3) - 1) >> 31)));
        }
      }
    }
  }

  /** An int that orders as the float does, -0 equal to +0 (for values that are not NaN). */
  private static int order(float v) {
    int bits = Float.floatToRawIntBits(v);
    int sign = bits >> 31; // all ones for negative values
    return ((bits & 0x7fffffff) ^ sign) - sign; // sign and magnitude to two's complement
  }

  /** Any window and stride into a zeroed {@code dx}; windows clipped to the input (Same mode past the bottom or right edge). */
  private static void backprop(FloatBuffer x, FloatBuffer g, FloatBuffer dx, Planes p, int[] kernel, int[] strides) {
    for (int plane = 0; plane < p.count(); plane++) {
      for (int oy = 0; oy < p.outH(); oy++) {
        int y0 = oy * strides[0];
        int y1 = Math.min(p.inH(), y0 + kernel[0]);
        for (int ox = 0; ox < p.outW(); ox++) {
          int x0 = ox * strides[1];
          int x1 = Math.min(p.inW(), x0 + kernel[1]);
          int at = -1;
          float best = 0;
          for (int y = y0; y < y1; y++) {
            for (int xi = x0; xi < x1; xi++) {
              int i = (plane * p.inH() + y) * p.inW() + xi;
              if (at < 0 || x.get(i) > best) {
                best = x.get(i);
                at = i;
              }
            }
          }
          if (at >= 0) { // overlapping windows add up
            dx.put(at, dx.get(at) + g.get((plane * p.outH() + oy) * p.outW() + ox));
          }
        }
      }
    }
  }

  @Override
  public INDArray activate(INDArray input, boolean training, int[] kernel, int[] strides, int[] pad,
      PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    return null; // DL4J M2.1 does not ask a helper for the forward pass (MaxPoolLayer runs it)
  }

  @Override
  public Map<String, Long> helperMemoryUse() {
    return Collections.emptyMap();
  }

  @Override
  public boolean checkSupported() {
    return true;
  }
}
