package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link NdBuffers} on the arrays the kernels meet: views into a flat parameter vector (read and
 * written with one memcpy at their own offset) and views that are not row-major (copied the slow way).
 */
class NdBuffersTest {

  private static INDArray flat() {
    return Nd4j.arange(200).castTo(DataType.FLOAT).reshape(1, 200);
  }

  private static float[] values(INDArray a) {
    float[] v = new float[(int) a.length()];
    INDArray c = a.dup('c');
    for (int i = 0; i < v.length; i++) {
      v[i] = c.getFloat(i);
    }
    return v;
  }

  @Test
  void viewsOfAFlatVectorAreReadAndWrittenInPlace() {
    INDArray params = flat();
    // a depthwise layer's weights: [k, k, C, 1] at an offset; a batch norm's gamma: a vector at an offset
    INDArray weights = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(104, 176)).reshape('c', 3, 3, 8, 1);
    INDArray gamma = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(72, 80));
    for (INDArray view : new INDArray[] {weights, gamma}) {
      assertArrayEquals(values(view), NdBuffers.toFloats(view));
      float[] written = new float[(int) view.length()];
      for (int i = 0; i < written.length; i++) {
        written[i] = -1 - i;
      }
      float[] before = NdBuffers.toFloats(params);
      NdBuffers.write(written, view);
      assertArrayEquals(written, values(view));
      float[] after = NdBuffers.toFloats(params);
      int changed = 0;
      for (int i = 0; i < before.length; i++) {
        changed += before[i] != after[i] ? 1 : 0;
      }
      assertEquals(written.length, changed, "only the view's own elements change");
    }
  }

  @Test
  void viewsThatAreNotRowMajorStillGiveTheirValuesInRowMajorOrder() {
    INDArray m = Nd4j.arange(12).castTo(DataType.FLOAT).reshape('c', 3, 4);
    INDArray transposed = m.transpose(); // [4, 3], strides [1, 4]
    INDArray column = m.get(NDArrayIndex.all(), NDArrayIndex.point(1)); // stride 4
    for (INDArray view : new INDArray[] {transposed, column}) {
      assertArrayEquals(values(view), NdBuffers.toFloats(view));
      float[] written = {7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
      float[] part = java.util.Arrays.copyOf(written, (int) view.length());
      NdBuffers.write(part, view);
      assertArrayEquals(part, values(view));
    }
  }
}
