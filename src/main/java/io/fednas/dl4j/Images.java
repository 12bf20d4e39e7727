package io.fednas.dl4j;

import java.nio.FloatBuffer;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The N images of an array, read and written an image at a time: a Java array, or ND4J's memory
 * itself. Why: a kernel that works an image at a time then needs no staged copy of a whole
 * activation (two more passes over it, and a second working set as large as the layer's, which two
 * tasks sharing one memory bus pay for).
 */
interface Images {
  /** Image {@code b}'s {@code m} values (images of {@code m} values each) into the start of {@code into}. */
  void read(int b, float[] into, int m);

  /** The first {@code m} values of {@code from} as image {@code b}. */
  void write(int b, float[] from, int m);

  static Images of(float[] values) {
    return new Images() {
      @Override
      public void read(int b, float[] into, int m) {
        System.arraycopy(values, b * m, into, 0, m);
      }

      @Override
      public void write(int b, float[] from, int m) {
        System.arraycopy(from, 0, values, b * m, m);
      }
    };
  }

  /**
   * The images of dense {@code a} (row-major or channel-last, as its memory holds them): that memory
   * itself, or a copy in {@link Scratch} slot {@code slot} where ND4J gives no view of it.
   */
  static Images readFrom(INDArray a, int slot) {
    FloatBuffer memory = NdBuffers.view(a);
    return memory != null ? of(memory) : of(NdBuffers.readMemory(a, Scratch.get(slot, (int) a.length())));
  }

  /**
   * Lets {@code fill} write the images of dense {@code a}: into its memory, or through {@link Scratch}
   * slot {@code slot} where ND4J gives no view of it.
   */
  static void writeInto(INDArray a, int slot, Consumer<Images> fill) {
    FloatBuffer memory = NdBuffers.view(a);
    if (memory != null) {
      fill.accept(of(memory));
      return;
    }
    float[] staged = Scratch.get(slot, (int) a.length());
    fill.accept(of(staged));
    NdBuffers.writeMemory(staged, a);
  }

  /** Over memory from its start, as {@link NdBuffers#view} gives it. */
  static Images of(FloatBuffer values) {
    return new Images() {
      @Override
      public void read(int b, float[] into, int m) {
        values.get(b * m, into, 0, m);
      }

      @Override
      public void write(int b, float[] from, int m) {
        values.put(b * m, from, 0, m);
      }
    };
  }
}
