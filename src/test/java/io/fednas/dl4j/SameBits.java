package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Asserts two float arrays hold the same bits, value by value (so -0 differs from +0 and NaNs by payload),
 * or the same values up to float rounding where two GEMMs computed them.
 */
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

  /**
   * The same values up to a relative 1e-5 where both are finite and non-zero; the same bits where
   * either is a zero (its sign included) or infinite; NaN where either is.
   */
  static void assertSameUpToRounding(INDArray want, INDArray got, String what) {
    float[] w = NdBuffers.toFloats(want);
    float[] g = NdBuffers.toFloats(got);
    assertEquals(w.length, g.length, what);
    for (int i = 0; i < w.length; i++) {
      String at = what + " at " + i + ": " + w[i] + " against " + g[i];
      if (Float.isNaN(w[i]) || Float.isNaN(g[i])) {
        assertTrue(Float.isNaN(w[i]) && Float.isNaN(g[i]), at);
      } else if (w[i] == 0 || g[i] == 0 || Float.isInfinite(w[i]) || Float.isInfinite(g[i])) {
        assertEquals(Float.floatToRawIntBits(w[i]), Float.floatToRawIntBits(g[i]), at);
      } else {
        assertTrue(Math.abs(w[i] - g[i]) <= 1e-5 * Math.abs(w[i]), at);
      }
    }
  }
}
