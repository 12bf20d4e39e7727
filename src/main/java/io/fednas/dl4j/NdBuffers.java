package io.fednas.dl4j;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
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
    INDArray c = isContiguous(src) ? src : src.castTo(DataType.FLOAT).dup('c');
    if (c.length() > out.length) {
      throw new IllegalArgumentException("an array of " + c.length() + " values into " + out.length);
    }
    new FloatPointer(c.data().addressPointer()).get(out, 0, (int) c.length());
    return out;
  }

  private static void checkContiguous(INDArray a, boolean fits, String other) {
    if (!isContiguous(a) || !fits) {
      throw new IllegalStateException("a contiguous c-order float array of " + a.length() + " and " + other);
    }
  }

  private static boolean isContiguous(INDArray a) {
    return a.ordering() == 'c' && a.offset() == 0 && a.dataType() == DataType.FLOAT && Shape.hasDefaultStridesForShape(a);
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
