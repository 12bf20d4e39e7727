package io.fednas.federated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.model.Architectures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Models and weight sums cross Java serialisation (broadcasts, task results, checkpoints) bit for bit. */
class PrimitiveBytesTest {
  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value, int[] size) throws Exception {
    byte[] bytes = serialised(value);
    size[0] = bytes.length;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return (T) in.readObject();
    }
  }

  private static byte[] serialised(Object value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    return bytes.toByteArray();
  }

  @Test
  void aModelStateKeepsEveryWeightBitAndItsArchitecture() throws Exception {
    float[] w = new float[10_007];
    Random r = new Random(3);
    for (int i = 0; i < w.length; i++) {
      w[i] = Float.intBitsToFloat(r.nextInt()); // any bit pattern: NaN payloads, subnormals, -0
    }
    w[0] = -0f;
    w[1] = Float.MIN_VALUE;
    ModelState m = new ModelState(Architectures.byName("lenet", 1, 28, 28, 10), w);
    int[] size = new int[1];
    ModelState back = roundTrip(m, size);
    assertEquals(m.arch(), back.arch());
    assertEquals(w.length, back.weights().length);
    for (int i = 0; i < w.length; i++) {
      assertEquals(Float.floatToRawIntBits(w[i]), Float.floatToRawIntBits(back.weights()[i]), "weight " + i);
    }
    assertTrue(size[0] < w.length * 4 + 2_000, "about 4 bytes a weight, was " + size[0]);
  }

  @Test
  void aFixedPointSumKeepsEveryBit() throws Exception {
    Random r = new Random(5);
    float[] a = new float[4_099];
    float[] b = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) r.nextGaussian();
      b[i] = (float) -r.nextGaussian() * 1e5f;
    }
    FixedPointSum sum = FixedPointSum.of(a, 0.25).addScaled(b, 0.75);
    int[] size = new int[1];
    FixedPointSum back = roundTrip(sum, size);
    assertArrayEquals(serialised(sum), serialised(back), "the same 64-bit sums");
    // and it still adds exactly: the restored sum is a working sum, not a copy of its floats
    assertArrayEquals(sum.add(FixedPointSum.of(a, 1)).toFloats(), back.add(FixedPointSum.of(a, 1)).toFloats());
    assertTrue(size[0] < a.length * 8 + 1_000, "about 8 bytes a parameter, was " + size[0]);
  }
}
