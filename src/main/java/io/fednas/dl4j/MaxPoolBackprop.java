package io.fednas.dl4j;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
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
 * outputs (zeros and positives in no pattern) are mispredicted about every other time. 2x2 windows
 * that tile the input (the common case) find it as {@link MaxPool2x2}'s forward pass does, without
 * branches, then scatter; after a training forward pass {@link MaxPoolLayer} has kept the argmax and
 * does not ask this helper. DL4J 1.0.0-M2.1 asks the helper for backprop only.
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
    INDArray result;
    if (MaxPool2x2.tiles(p.inH(), p.inW(), kernel, strides, pad, dilation) && p.inH() == 2 * p.outH()
        && p.inW() == 2 * p.outW()) { // every input element is written
      result = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
      // each window's argmax found again, as the forward pass finds it
      byte[] argmax = new byte[p.count() * p.outH() * p.outW()];
      MaxPool2x2 pool = new MaxPool2x2();
      pool.forward(NdBuffers.bitsView(input), IntBuffer.allocate(argmax.length), argmax, p.count(), p.inH(), p.inW());
      pool.backprop(NdBuffers.bitsView(epsilon), argmax, NdBuffers.bitsView(result), p.count(), p.inH(), p.inW());
    } else {
      result = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
      backprop(x, g, NdBuffers.view(result), p, kernel, strides);
    }
    return new Pair<>(new DefaultGradient(), result);
  }

  /** [images x channels] planes of inH x inW inputs pooled to outH x outW. */
  private record Planes(int count, int inH, int inW, int outH, int outW) {}

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
