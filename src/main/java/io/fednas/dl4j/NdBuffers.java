package io.fednas.dl4j;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves Java float arrays into and out of ND4J arrays with one memcpy. {@code Nd4j.create(float[],
 * ...)} and {@code toFloatVector()} copy element by element through the buffer's put() and get(),
 * which profiled as the largest single cost of a training step once convolutions were fast.
 */
public final class NdBuffers {
  private NdBuffers() {}

  /** Copies {@code src} into a contiguous, c-ordered, offset-0 float array of the same length. */
  public static void copyInto(float[] src, INDArray dst) {
    checkContiguous(dst, src.length == dst.length(), "an array of " + src.length);
    copyPrefixInto(src, dst);
  }

  /**
   * Copies the first {@code dst.length()} values of {@code src} into {@code dst}: for staging
   * arrays kept at the largest size a caller has needed.
   */
  static void copyPrefixInto(float[] src, INDArray dst) {
    checkContiguous(dst, src.length >= dst.length(), "a staging array of " + src.length);
    new FloatPointer(dst.data().addressPointer()).put(src, 0, (int) dst.length());
  }

  /** The array's values in row-major order into the start of {@code out} (at least as long), which it returns. */
  static float[] toFloatsPrefix(INDArray src, float[] out) {
    INDArray c = isPacked(src) ? src : src.castTo(DataType.FLOAT).dup('c');
    if (c.length() > out.length) {
      throw new IllegalArgumentException("an array of " + c.length() + " values into " + out.length);
    }
    new FloatPointer(c.data().addressPointer()).get(out, 0, (int) c.length());
    return out;
  }

  private static void checkContiguous(INDArray a, boolean fits, String other) {
    if (!isPacked(a) || !fits) {
      throw new IllegalStateException("a contiguous c-order float array of " + a.length() + " and " + other);
    }
  }

  /**
   * Writes {@code src} (row-major) into {@code dst}: one memcpy when {@code dst}'s elements are
   * packed in row-major order (a parameter's gradient view is), else an ND4J assign.
   */
  static void write(float[] src, INDArray dst) {
    if (isPacked(dst) && src.length == dst.length()) {
      copyPrefixInto(src, dst);
    } else {
      dst.assign(Nd4j.createFromArray(src).reshape('c', dst.shape()));
    }
  }

  private static boolean isContiguous(INDArray a) {
    return isPacked(a) && a.offset() == 0;
  }

  /**
   * Whether the array's elements, row-major, are the first {@code length()} floats at its buffer's
   * address: row-major strides, starting where its buffer starts. A view of a flat
   * parameter or gradient vector is such an array: ND4J gives it a buffer of its own that starts at
   * its first element (the address already includes the offset).
   */
  private static boolean isPacked(INDArray a) {
    return a.dataType() == DataType.FLOAT && rowMajorStrides(a) && a.offset() == a.data().offset()
        && a.data().length() >= a.length();
  }

  /**
   * Whether each dimension's stride is the product of the sizes after it, ignoring dimensions of size
   * 1 (their stride never matters). Not ND4J's own check, which refuses a parameter's [k, k, C, 1]
   * view and a vector flagged 'f', though both are laid out row-major.
   */
  private static boolean rowMajorStrides(INDArray a) {
    long[] shape = a.shape();
    long[] stride = a.stride();
    long expected = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= shape[d];
    }
    return true;
  }

  /**
   * The memory of a contiguous, c-ordered, offset-0 float array, without a copy: element i is the
   * array's i-th in row-major order. Null for any other array, or if ND4J's buffer is shorter than
   * the array. For element-wise kernels, where two memcpys (in and out) would cost more than the
   * work.
   */
  static FloatBuffer view(INDArray a) {
    if (!isContiguous(a)) {
      return null;
    }
    FloatBuffer floats = a.data().asNioFloat();
    return floats.capacity() >= a.length() ? floats : null;
  }

  /** The array's values in row-major order as a Java array: one memcpy when it is contiguous. */
  public static float[] toFloats(INDArray src) {
    return toFloatsPrefix(src, new float[(int) src.length()]);
  }

  /**
   * The row-major [N, H, W, C] memory under {@code a}, an [N, C, H, W] array laid out channel-last
   * (as {@link #channelLastView} makes them); null for any other array. An array with one channel
   * or a 1 x 1 plane is laid out both ways at once.
   */
  static INDArray channelLastMemory(INDArray a) {
    if (a.rank() != 4) {
      return null;
    }
    INDArray memory = a.permute(0, 2, 3, 1);
    return isPacked(memory) ? memory : null;
  }

  /**
   * The [N, C, H, W] view of row-major [N, H, W, C] memory: how the project's kernels pass
   * channel-last activations and gradients between DL4J's layers, which see the shape they expect.
   */
  static INDArray channelLastView(INDArray memory) {
    return memory.permute(0, 3, 1, 2);
  }

  /** Whether {@code a} is laid out channel-last and not also row-major (as one channel or a 1 x 1 plane are). */
  static boolean isChannelLast(INDArray a) {
    return !isPacked(a) && channelLastMemory(a) != null;
  }

  /**
   * The row-major array whose memory is {@code a}'s: {@code a} itself when packed, the [N, H, W, C]
   * memory of a channel-last array; null for any other array.
   */
  static INDArray memory(INDArray a) {
    return isPacked(a) ? a : channelLastMemory(a);
  }

  /** A new workspace float array of [N, C, H, W] shape {@code nchw}, its memory channel-last or row-major. */
  static INDArray create(LayerWorkspaceMgr workspaceMgr, ArrayType type, long[] nchw, boolean channelLast) {
    if (!channelLast) {
      return workspaceMgr.createUninitialized(type, DataType.FLOAT, nchw, 'c');
    }
    return channelLastView(workspaceMgr.createUninitialized(type, DataType.FLOAT,
        new long[] {nchw[0], nchw[2], nchw[3], nchw[1]}, 'c'));
  }

  /** {@code a} itself when it is laid out as asked (channel-last or row-major), else a copy that is. */
  static INDArray inLayout(INDArray a, boolean channelLast, LayerWorkspaceMgr workspaceMgr, ArrayType type) {
    if (a.dataType() == DataType.FLOAT && (channelLast ? channelLastMemory(a) != null : isPacked(a))) {
      return a;
    }
    INDArray copy = create(workspaceMgr, type, a.shape(), channelLast);
    copy.assign(a);
    return copy;
  }

  /**
   * A float array of the given shape outside any workspace: {@code reuse} itself when it already
   * has that shape, else a new one. For buffers that a caller refills batch after batch.
   */
  public static INDArray reuse(INDArray reuse, long... shape) {
    if (reuse != null && Arrays.equals(reuse.shape(), shape)) {
      return reuse;
    }
    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      return Nd4j.createUninitializedDetached(DataType.FLOAT, shape);
    }
  }
}
