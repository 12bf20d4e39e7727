package io.fednas.dl4j;

import java.nio.FloatBuffer;

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
