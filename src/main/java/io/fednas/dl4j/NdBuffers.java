package io.fednas.dl4j;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
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
   * The memory of an offset-0 float array laid out row-major (or channel-last: then element i is its
   * i-th in that order), without a copy. Null for any other array, or if ND4J's buffer is shorter
   * than the array. For element-wise kernels, where two memcpys (in and out) would cost more than the
   * work.
   */
  static FloatBuffer view(INDArray a) {
    if (!viewable(a)) {
      return null;
    }
    FloatBuffer floats = a.data().asNioFloat();
    return floats.capacity() >= a.length() ? floats : null;
  }

  /**
   * The memory of {@link #view} read as each float's bits, or null where {@link #view} is null. For
   * kernels that decide on the bits: the JIT vectorizes integer loops over Java arrays, but not a
   * float-to-bits conversion.
   */
  static IntBuffer bitsView(INDArray a) {
    if (!viewable(a)) {
      return null;
    }
    IntBuffer bits = a.data().asNio().duplicate().order(ByteOrder.nativeOrder()).asIntBuffer();
    return bits.capacity() >= a.length() ? bits : null;
  }

  /** Whether {@link #view} may give {@code a}'s memory: offset 0, row-major or channel-last. */
  private static boolean viewable(INDArray a) {
    return isContiguous(a) || channelLastPacked(a) && a.offset() == 0;
  }

  /** The array's values in row-major order as a Java array: one memcpy when it is contiguous. */
  public static float[] toFloats(INDArray src) {
    return toFloatsPrefix(src, new float[(int) src.length()]);
  }

  /** [N, C, H, W]'s dimensions from the fastest-varying in channel-last memory: C, then W, H, N. */
  private static final int[] CHANNEL_LAST_ORDER = {1, 3, 2, 0};

  /**
   * Whether {@code a}, [N, C, H, W], holds its values channel-last from its buffer's start: the strides
   * of row-major [N, H, W, C] (size-1 dimensions ignored, so one channel or a 1 x 1 plane is laid out
   * both ways at once). Read from the strides: a view to check would cost a native shape buffer.
   */
  private static boolean channelLastPacked(INDArray a) {
    if (a.rank() != 4 || a.dataType() != DataType.FLOAT || a.offset() != a.data().offset()
        || a.data().length() < a.length()) {
      return false;
    }
    long[] shape = a.shape();
    long[] stride = a.stride();
    long expected = 1;
    for (int d : CHANNEL_LAST_ORDER) {
      if (shape[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= shape[d];
    }
    return true;
  }

  /** Whether {@code a} is laid out channel-last and not also row-major. */
  static boolean isChannelLast(INDArray a) {
    return channelLastPacked(a) && !rowMajorStrides(a);
  }

  /** Whether {@code a}'s memory holds its values row-major or channel-last, from its buffer's start. */
  static boolean isDense(INDArray a) {
    return isPacked(a) || channelLastPacked(a);
  }

  /**
   * The [N, C, H, W] view of row-major [N, H, W, C] memory: how the project's kernels pass
   * channel-last activations and gradients between DL4J's layers, which see the shape they expect.
   */
  static INDArray channelLastView(INDArray memory) {
    return memory.permute(0, 3, 1, 2);
  }

  /**
   * The row-major array whose memory is {@code a}'s: {@code a} itself when packed, the [N, H, W, C]
   * memory of a channel-last array (for native ops that take it so); null for any other array.
   */
  static INDArray memory(INDArray a) {
    return isPacked(a) ? a : channelLastPacked(a) ? a.permute(0, 2, 3, 1) : null;
  }

  /** A dense array's memory (row-major or channel-last, as it is laid out) into the start of {@code out}, which it returns. */
  static float[] readMemory(INDArray a, float[] out) {
    checkDense(a, out.length);
    new FloatPointer(a.data().addressPointer()).get(out, 0, (int) a.length());
    return out;
  }

  /** The first {@code a.length()} values of {@code src} into a dense array's memory, as it is laid out. */
  static void writeMemory(float[] src, INDArray a) {
    checkDense(a, src.length);
    new FloatPointer(a.data().addressPointer()).put(src, 0, (int) a.length());
  }

  /** Whether two arrays are the same values in the same memory: one array, or views alike of one buffer's memory. */
  static boolean sameMemory(INDArray a, INDArray b) {
    return a == b || a.data().address() == b.data().address() && a.offset() == b.offset()
        && Arrays.equals(a.shape(), b.shape()) && Arrays.equals(a.stride(), b.stride());
  }

  /** {@code src}'s memory into {@code dst}'s: two dense arrays of one length laid out alike. */
  static void copyMemory(INDArray src, INDArray dst) {
    checkDense(src, dst.length());
    checkDense(dst, src.length());
    Pointer.memcpy(dst.data().addressPointer(), src.data().addressPointer(), src.length() * Float.BYTES);
  }

  private static void checkDense(INDArray a, long room) {
    if (!isDense(a) || a.length() > room) {
      throw new IllegalStateException("a dense float array of " + a.length() + " values, with room for " + room);
    }
  }

  /** A new workspace float array of [N, C, H, W] shape {@code nchw}, its memory channel-last or row-major. */
  static INDArray create(LayerWorkspaceMgr workspaceMgr, ArrayType type, long[] nchw, boolean channelLast) {
    INDArray memory = createMemory(workspaceMgr, type, nchw, channelLast);
    return channelLast ? channelLastView(memory) : memory;
  }

  /**
   * The row-major memory of a new workspace array of [N, C, H, W] shape {@code nchw}: [N, H, W, C] when
   * channel-last (its {@link #channelLastView} is the array), else the array itself. For native ops,
   * which take the memory; a view made from the other costs another native shape buffer.
   */
  static INDArray createMemory(LayerWorkspaceMgr workspaceMgr, ArrayType type, long[] nchw, boolean channelLast) {
    return workspaceMgr.createUninitialized(type, DataType.FLOAT,
        channelLast ? new long[] {nchw[0], nchw[2], nchw[3], nchw[1]} : nchw, 'c');
  }

  /**
   * {@code a} itself when it is laid out as asked (channel-last or row-major), else a copy that is.
   * From the other of those two layouts the copy is a transpose in Java ({@link #transposeMemory}),
   * else ND4J's assign.
   */
  static INDArray inLayout(INDArray a, boolean channelLast, LayerWorkspaceMgr workspaceMgr, ArrayType type) {
    if (channelLast ? channelLastPacked(a) : isPacked(a)) {
      return a;
    }
    INDArray copy = create(workspaceMgr, type, a.shape(), channelLast);
    if (a.rank() == 4 && isDense(a)) {
      transposeMemory(a, copy, channelLast);
    } else {
      copy.assign(a);
    }
    return copy;
  }

  /**
   * A dense [N, C, H, W] array's values into {@code dst}, laid out the other way (channel-last when
   * {@code toChannelLast}, else row-major): the memory staged in two scratch arrays, transposed
   * between them. Why: ND4J's assign between the two layouts walks the strides of a permuted view
   * element by element, several times slower than this on a MobileNet's activations.
   */
  private static void transposeMemory(INDArray a, INDArray dst, boolean toChannelLast) {
    int n = (int) a.size(0);
    int c = (int) a.size(1);
    int plane = (int) (a.size(2) * a.size(3));
    float[] from = readMemory(a, Scratch.get(Scratch.TRANSPOSE_FROM, (int) a.length()));
    float[] to = Scratch.get(Scratch.TRANSPOSE_TO, (int) a.length());
    if (toChannelLast) {
      DepthwiseKernel.toChannelLast(from, n, c, plane, to);
    } else {
      DepthwiseKernel.toChannelFirst(from, n, c, plane, to);
    }
    writeMemory(to, dst);
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
