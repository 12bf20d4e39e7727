package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.model.Architectures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.cpu.nativecpu.DirectShapeInfoProvider;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link ShapeInfoCache}: the same shape information as ND4J's uncached path for the arrays a step
 * makes (row- and column-major, the same shape in other strides and types, permuted, reshaped and
 * sliced views, vectors, scalars, empty arrays), one shared answer per shape, kept under a copy of the
 * caller's arrays, correct answers after the map is emptied, and installed by building a network.
 */
class ShapeInfoCacheTest {
  private static List<INDArray> arrays() {
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 5, 6);
    return List.of(x, x.permute(0, 2, 3, 1), x.reshape(12, 30), Nd4j.create(DataType.FLOAT, new long[] {3, 7}, 'f'),
        Nd4j.create(DataType.FLOAT, new long[] {3, 7}, 'c'), Nd4j.create(DataType.DOUBLE, new long[] {3, 7}, 'c'),
        x.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.interval(1, 4), NDArrayIndex.all()),
        x.get(NDArrayIndex.all(), NDArrayIndex.point(2), NDArrayIndex.all(), NDArrayIndex.point(0)),
        Nd4j.scalar(2.5f), Nd4j.create(DataType.FLOAT, 0), Nd4j.create(DataType.FLOAT, 3, 0),
        Nd4j.createFromArray(1L, 2L, 3L), Nd4j.create(DataType.BOOL, 2, 2), Nd4j.rand(DataType.DOUBLE, 5).reshape(1, 5),
        Nd4j.rand(DataType.FLOAT, 8, 1).transpose());
  }

  private static Pair<DataBuffer, long[]> ask(DirectShapeInfoProvider provider, INDArray a) {
    return provider.createShapeInformation(a.shape(), a.stride(), a.elementWiseStride(), a.ordering(), a.dataType(),
        a.isEmpty());
  }

  @Test
  void answersAsNd4jsUncachedPathOncePerShape() {
    ShapeInfoCache cache = new ShapeInfoCache(1000);
    DirectShapeInfoProvider nd4j = new DirectShapeInfoProvider();
    for (INDArray a : arrays()) {
      Pair<DataBuffer, long[]> expected = ask(nd4j, a);
      Pair<DataBuffer, long[]> first = ask(cache, a);
      assertArrayEquals(expected.getSecond(), first.getSecond(), a.shapeInfoToString());
      assertArrayEquals(expected.getFirst().asLong(), first.getFirst().asLong(), a.shapeInfoToString());
      assertSame(first, ask(cache, a), "a second array of the same shape shares the first's");
    }
    assertNotSame(ask(nd4j, arrays().get(0)), ask(nd4j, arrays().get(0)), "ND4J's path makes one per array");
  }

  @Test
  void keepsItsOwnCopyOfTheCallersArrays() {
    ShapeInfoCache cache = new ShapeInfoCache(1000);
    long[] shape = {2, 3};
    long[] stride = {3, 1};
    Pair<DataBuffer, long[]> first = cache.createShapeInformation(shape, stride, 1, 'c', DataType.FLOAT, false);
    shape[0] = 5; // the caller reuses its arrays
    stride[0] = 7;
    assertSame(first, cache.createShapeInformation(new long[] {2, 3}, new long[] {3, 1}, 1, 'c', DataType.FLOAT, false));
  }

  @Test
  void emptiedWhenFullAndStillRight() {
    ShapeInfoCache cache = new ShapeInfoCache(3);
    DirectShapeInfoProvider nd4j = new DirectShapeInfoProvider();
    for (int round = 0; round < 2; round++) {
      for (INDArray a : arrays()) {
        assertArrayEquals(ask(nd4j, a).getFirst().asLong(), ask(cache, a).getFirst().asLong());
        assertTrue(cache.size() <= 3, "holds at most its bound, not " + cache.size());
      }
    }
  }

  @Test
  void buildingANetworkInstallsIt() {
    NetworkBuilder.build(Architectures.byName("lenet", 1, 28, 28, 10), 1, 0.01, 0);
    assertInstanceOf(ShapeInfoCache.class, Nd4j.getShapeInfoProvider());
    INDArray a = Nd4j.create(DataType.FLOAT, 17, 19);
    INDArray b = Nd4j.create(DataType.FLOAT, 17, 19);
    assertSame(a.shapeInfoDataBuffer(), b.shapeInfoDataBuffer());
  }
}
