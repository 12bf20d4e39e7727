package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link NdBuffers} on the arrays the kernels meet: views into a flat parameter vector (read and
 * written with one memcpy at their own offset), views that are not row-major (copied the slow way), and
 * activations copied between row-major and channel-last memory.
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

  @Test
  void arraysAreCopiedIntoTheOtherLayoutWithTheirValues() {
    LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
    for (long[] shape : new long[][] {{2, 5, 3, 4}, {3, 8, 1, 7}, {1, 4, 2, 2}}) {
      INDArray rowMajor = Nd4j.rand(DataType.FLOAT, shape);
      INDArray channelLast = NdBuffers.inLayout(rowMajor, true, noWorkspaces, ArrayType.ACTIVATIONS);
      assertTrue(NdBuffers.isChannelLast(channelLast), "channel-last: " + channelLast.shapeInfoToString());
      assertArrayEquals(values(rowMajor), values(channelLast));
      INDArray back = NdBuffers.inLayout(channelLast, false, noWorkspaces, ArrayType.ACTIVATIONS);
      assertFalse(NdBuffers.isChannelLast(back));
      assertArrayEquals(values(rowMajor), values(back));
      assertSame(back, NdBuffers.inLayout(back, false, noWorkspaces, ArrayType.ACTIVATIONS), "already row-major");
    }
    // neither layout (every other image): ND4J's assign
    INDArray strided = Nd4j.rand(DataType.FLOAT, 4, 3, 2, 2).get(NDArrayIndex.interval(0, 2, 4), NDArrayIndex.all(),
        NDArrayIndex.all(), NDArrayIndex.all());
    assertArrayEquals(values(strided), values(NdBuffers.inLayout(strided, true, noWorkspaces, ArrayType.ACTIVATIONS)));
  }
}
