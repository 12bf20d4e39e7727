package io.fednas.dl4j;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.cpu.nativecpu.DirectShapeInfoProvider;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's shape-information provider with the cache that ND4J's own CPU provider has but, in this
 * release, never uses: nearly every INDArray constructor (views and reshapes too) asks for its
 * shape through the overload with an "empty" flag, which {@code DirectShapeInfoProvider} does not
 * override, so each array copies its shape and strides into two new native arrays, asks libnd4j for
 * the shape buffer and registers a new Java buffer over it for deallocation. Here the answer for
 * the same shape, strides, element-wise stride, order, type and emptiness is computed once (by that
 * same uncached path) and shared, as ND4J shares its cached ones: shape buffers are constants,
 * which no array writes to.
 *
 * <p>Bounded: past a number of shapes (a long search builds many architectures) the map is emptied
 * and fills again; buffers still in use stay valid (they are freed when unreachable).
 */
final class ShapeInfoCache extends DirectShapeInfoProvider {
  private static final int MAX_ENTRIES = 20_000;

  private final int maxEntries;
  private final Map<Key, Pair<DataBuffer, long[]>> cache = new ConcurrentHashMap<>();

  ShapeInfoCache(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  private record Key(long[] shape, long[] stride, long elementWiseStride, char order, DataType type, boolean empty) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && elementWiseStride == k.elementWiseStride && order == k.order && type == k.type
          && empty == k.empty && Arrays.equals(shape, k.shape) && Arrays.equals(stride, k.stride);
    }

    @Override
    public int hashCode() {
      int h = 31 * Arrays.hashCode(shape) + Arrays.hashCode(stride);
      return 31 * (31 * (31 * h + Long.hashCode(elementWiseStride)) + order) + 2 * type.ordinal() + (empty ? 1 : 0);
    }
  }

  /** Makes this ND4J's provider in this JVM, once (CPU backend only: {@link CpuKernels} checks). */
  static synchronized void install() {
    if (Nd4j.getShapeInfoProvider() instanceof ShapeInfoCache) {
      return;
    }
    try {
      Field provider = Nd4j.class.getDeclaredField("shapeInfoProvider");
      provider.setAccessible(true);
      provider.set(null, new ShapeInfoCache(MAX_ENTRIES));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot install the shape-information cache into ND4J", e);
    }
  }

  @Override
  public Pair<DataBuffer, long[]> createShapeInformation(long[] shape, long[] stride, long elementWiseStride,
      char order, DataType dataType, boolean empty) {
    // looked up over the caller's arrays; a key that stays in the map gets copies of its own
    Pair<DataBuffer, long[]> cached = cache.get(new Key(shape, stride, elementWiseStride, order, dataType, empty));
    if (cached != null) {
      return cached;
    }
    if (cache.size() >= maxEntries) {
      cache.clear();
    }
    Pair<DataBuffer, long[]> created = super.createShapeInformation(shape, stride, elementWiseStride, order, dataType,
        empty);
    Key kept = new Key(shape.clone(), stride.clone(), elementWiseStride, order, dataType, empty);
    Pair<DataBuffer, long[]> raced = cache.putIfAbsent(kept, created);
    return raced != null ? raced : created;
  }

  int size() {
    return cache.size();
  }
}
