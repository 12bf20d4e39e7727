package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link OneDnnGemm} against ND4J's gemm: every combination of transposes, operands and results in
 * row- and column-major memory, views that start inside their buffer and skip columns, beta 0 and 1; the same
 * products up to float rounding, written into the given C. Operands sgemm cannot read in place go to
 * ND4J and give its exact result.
 */
class OneDnnGemmTest {
  private static final int M = 37;
  private static final int K = 19;
  private static final int N = 23;

  @Test
  void loadsOnThisPlatform() {
    assertTrue(OneDnnGemm.available(), "the oneDNN preset's native library did not load: " + OneDnnGemm.describe());
    assertTrue(OneDnnGemm.describe().startsWith("oneDNN's sgemm"), OneDnnGemm.describe());
  }

  @Test
  void matchesNd4jForEveryTransposeAndLayout() {
    Nd4j.getRandom().setSeed(11);
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        for (char orderA : new char[] {'c', 'f'}) {
          for (char orderB : new char[] {'c', 'f'}) {
            INDArray a = Nd4j.rand(DataType.FLOAT, ta ? new long[] {K, M} : new long[] {M, K}).dup(orderA);
            INDArray b = Nd4j.rand(DataType.FLOAT, tb ? new long[] {N, K} : new long[] {K, N}).dup(orderB);
            for (char orderC : new char[] {'c', 'f'}) {
              for (double beta : new double[] {0, 1}) {
                INDArray start = Nd4j.rand(DataType.FLOAT, M, N);
                INDArray expected = Nd4j.gemm(a, b, start.dup('c'), ta, tb, 0.5, beta);
                INDArray c = start.dup(orderC);
                assertSame(c, OneDnnGemm.gemm(a, b, c, ta, tb, 0.5, beta));
                assertClose(expected, c, "ta=" + ta + " tb=" + tb + " orders " + orderA + orderB + orderC + " beta " + beta);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void readsViewsInsideTheirBuffers() {
    Nd4j.getRandom().setSeed(12);
    // rows 3.. and columns 2.. of larger matrices: the views start inside the buffer and skip columns
    INDArray bigA = Nd4j.rand(DataType.FLOAT, M + 5, K + 4);
    INDArray bigB = Nd4j.rand(DataType.FLOAT, K + 2, N + 3);
    INDArray a = bigA.get(NDArrayIndex.interval(3, 3 + M), NDArrayIndex.interval(2, 2 + K));
    INDArray b = bigB.get(NDArrayIndex.interval(1, 1 + K), NDArrayIndex.interval(3, 3 + N));
    INDArray bigC = Nd4j.rand(DataType.FLOAT, M + 2, N + 6);
    INDArray c = bigC.get(NDArrayIndex.interval(2, 2 + M), NDArrayIndex.interval(4, 4 + N));
    INDArray before = bigC.dup();
    INDArray expected = Nd4j.gemm(a.dup(), b.dup(), c.dup(), false, false, 1.0, 1.0);
    OneDnnGemm.gemm(a, b, c, false, false, 1.0, 1.0);
    assertClose(expected, c, "views");
    // nothing outside C's view was written
    INDArray outside = bigC.sub(before);
    outside.get(NDArrayIndex.interval(2, 2 + M), NDArrayIndex.interval(4, 4 + N)).assign(0);
    assertEquals(0.0, outside.amaxNumber().doubleValue());
    // a row of a matrix, transposed views of row-major memory
    INDArray row = bigA.getRow(4).reshape(1, K + 4);
    INDArray w = Nd4j.rand(DataType.FLOAT, N, K + 4);
    assertClose(Nd4j.gemm(row, w.transpose(), Nd4j.create(DataType.FLOAT, 1, N), false, false, 1.0, 0.0),
        OneDnnGemm.gemm(row, w.transpose(), Nd4j.create(DataType.FLOAT, 1, N), false, false, 1.0, 0.0), "row");
  }

  @Test
  void leavesWhatItCannotReadToNd4j() {
    Nd4j.getRandom().setSeed(13);
    // A whose columns are every other float of its rows, and doubles: ND4J's own result, bit for bit
    INDArray a = Nd4j.rand(DataType.FLOAT, M, 2 * K).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 2 * K));
    INDArray b = Nd4j.rand(DataType.FLOAT, K, N);
    INDArray expected = Nd4j.gemm(a, b, Nd4j.create(DataType.FLOAT, M, N), false, false, 1.0, 0.0);
    assertEquals(expected, OneDnnGemm.gemm(a, b, Nd4j.create(DataType.FLOAT, M, N), false, false, 1.0, 0.0));
    INDArray ad = a.castTo(DataType.DOUBLE);
    INDArray bd = b.castTo(DataType.DOUBLE);
    assertEquals(Nd4j.gemm(ad, bd, Nd4j.create(DataType.DOUBLE, M, N), false, false, 1.0, 0.0),
        OneDnnGemm.gemm(ad, bd, Nd4j.create(DataType.DOUBLE, M, N), false, false, 1.0, 0.0));
  }

  private static void assertClose(INDArray expected, INDArray actual, String what) {
    assertEquals(expected.rows(), actual.rows(), what);
    assertEquals(expected.columns(), actual.columns(), what);
    for (int i = 0; i < expected.rows(); i++) {
      for (int j = 0; j < expected.columns(); j++) {
        double e = expected.getDouble(i, j);
        double d = Math.abs(e - actual.getDouble(i, j));
        assertTrue(d <= 1e-5 * Math.max(1, Math.abs(e)), what + " at (" + i + ", " + j + "): " + e + " against "
            + actual.getDouble(i, j));
      }
    }
  }
}
