package io.fednas.dl4j;

import java.nio.IntBuffer;
import java.util.Arrays;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ReLU whose backprop runs without branches, in place in ND4J's memory: dL/dz = dL/da where z > 0,
 * else 0, as libnd4j's {@code relu_bp}. The forward pass is DL4J's.
 *
 * <p>Why: {@code relu_bp} branches on the sign of z, which in a convolution layer's output follows
 * no pattern, so about every other branch is mispredicted. Here the mask is integer arithmetic on
 * the floats' bits, over chunks copied into Java arrays, where the JIT vectorizes it (a loop over
 * the memory's buffers it does not).
 */
final class ReluBackprop extends ActivationReLU {
  @Override
  public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
    IntBuffer z = NdBuffers.bitsView(in);
    IntBuffer grad = NdBuffers.bitsView(epsilon);
    // laid out alike (both row-major, or both channel-last), so element i of one memory is element i of the other
    if (z == null || grad == null || !Arrays.equals(in.shape(), epsilon.shape())
        || NdBuffers.isChannelLast(in) != NdBuffers.isChannelLast(epsilon)) {
      return super.backprop(in, epsilon);
    }
    gradient(z, grad, z, (int) in.length());
    return new Pair<>(in, null); // DL4J's contract: backprop may overwrite its input
  }

  /** Values a chunk: the two chunks stay in the core's first-level cache. */
  private static final int CHUNK = 2048;

  /**
   * out = grad where z > 0, else +0, over the first n floats, each given by its bits ({@link
   * NdBuffers#bitsView}); {@code out} may be either of the two.
   */
  static void gradient(IntBuffer z, IntBuffer grad, IntBuffer out, int n) {
    // new arrays, not kept ones: the JIT vectorized the mask only over arrays it saw allocated here
    int[] zChunk = new int[Math.min(CHUNK, n)];
    int[] gradChunk = new int[zChunk.length];
    for (int from = 0; from < n; from += CHUNK) {
      int length = Math.min(CHUNK, n - from);
      z.get(from, zChunk, 0, length);
      grad.get(from, gradChunk, 0, length);
      mask(zChunk, gradChunk, length);
      out.put(from, gradChunk, 0, length);
    }
  }

  /** grad[i] kept where float z[i] > 0, else +0: both given by their bits. */
  static void mask(int[] z, int[] grad, int n) {
    for (int i = 0; i < n; i++) {
      int bits = z[i];
      // all ones when z > 0 (sign bit clear, not +0, not NaN: NaN's bits lie above +infinity's), else 0
      grad[i] &= (-bits & ~bits & (bits - 0x7f800001)) >> 31;
    }
  }
}
