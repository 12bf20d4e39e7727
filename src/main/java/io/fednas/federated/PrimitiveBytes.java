package io.fednas.federated;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Large primitive arrays as byte arrays, converted in one bulk copy. Java serialisation writes a
 * float[] or long[] an element at a time, which JFR showed as half of a round's broadcast and most
 * of a task result's serialisation; a byte[] it copies in blocks.
 */
public final class PrimitiveBytes {
  private PrimitiveBytes() {}

  public static byte[] of(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b.array();
  }

  static byte[] of(long[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return b.array();
  }

  public static float[] floats(byte[] bytes) {
    float[] out = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  static long[] longs(byte[] bytes) {
    long[] out = new long[bytes.length / Long.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }
}
