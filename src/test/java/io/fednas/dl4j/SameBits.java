package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Asserts two float arrays hold the same bits, value by value (so -0 differs from +0 and NaNs by payload). */
final class SameBits {
  private SameBits() {}

  static void assertSameBits(INDArray want, INDArray got, String what) {
    assertSameBits(NdBuffers.toFloats(want), NdBuffers.toFloats(got), what);
  }

  static void assertSameBits(float[] w, float[] g, String what) {
    assertEquals(w.length, g.length, what);
    for (int i = 0; i < w.length; i++) {
      assertEquals(Integer.toHexString(Float.floatToRawIntBits(w[i])), Integer.toHexString(Float.floatToRawIntBits(g[i])),
          what + " at " + i + ": " + w[i] + " against " + g[i]);
    }
  }
}
