package io.fednas.federated;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.rdd.RDD;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction0;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * Runs a function on every partition of an RDD as one Spark job and hands the driver each
 * partition's result.
 *
 * <p>Why not {@code mapPartitions(..).collect()} or {@code treeReduce}: each of those wraps the
 * function in Scala closures that Spark's ClosureCleaner analyses on every call by reading and
 * parsing class files (JFR: most of the driver's 25-35 ms between a round's broadcast and its job
 * start). {@link SparkContext#submitJob} cleans only the function it is given, and a named class
 * is not a closure to clean. Failures surface as they would from {@code collect()}.
 */
final class PartitionJobs {
  private PartitionJobs() {}

  /** What a task computes from its partition's elements; runs on an executor. */
  @FunctionalInterface
  interface PartitionFunction<T, U> extends Serializable {
    U apply(Iterator<T> elements) throws Exception;
  }

  /** {@code fn} applied to each partition of {@code rdd}; element i is partition i's result. */
  static <T, U> List<U> run(SparkContext sc, RDD<T> rdd, PartitionFunction<T, U> fn) {
    Object[] results = new Object[rdd.partitions().length];
    forEach(sc, rdd, fn, (partition, result) -> results[partition] = result);
    @SuppressWarnings("unchecked")
    List<U> out = (List<U>) Arrays.asList(results);
    return out;
  }

  /**
   * {@code fn} applied to each partition of {@code rdd}, each result handed to {@code onResult} on
   * the driver as it arrives (one at a time, in no set order), so the driver need not hold them all.
   */
  static <T, U> void forEach(SparkContext sc, RDD<T> rdd, PartitionFunction<T, U> fn,
      BiConsumer<Integer, U> onResult) {
    int n = rdd.partitions().length;
    scala.collection.Seq<Object> partitions = JavaConverters.asScalaBuffer(
        new ArrayList<Object>(IntStream.range(0, n).boxed().toList())).toSeq();
    try {
      sc.submitJob(rdd, new OnPartition<>(fn), partitions, new Handler<U>(onResult), new Nothing()).get();
    } catch (SparkException e) {
      // get() wraps the job's own failure ("Job aborted due to stage failure: ..."); throw that, as collect() would
      throw PartitionJobs.<RuntimeException>undeclared(e.getCause() != null ? e.getCause() : e);
    }
  }

  /** Throws {@code t} as it is: Spark's failures are its checked SparkException, undeclared by its Java API too. */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E undeclared(Throwable t) throws E {
    throw (E) t;
  }

  /** The task-side function: a named class, so the ClosureCleaner leaves it alone. */
  private static final class OnPartition<T, U> extends AbstractFunction1<scala.collection.Iterator<T>, U>
      implements Serializable {
    private final PartitionFunction<T, U> fn;

    OnPartition(PartitionFunction<T, U> fn) {
      this.fn = fn;
    }

    @Override
    public U apply(scala.collection.Iterator<T> elements) {
      try {
        return fn.apply(JavaConverters.asJavaIterator(elements));
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Driver side: Spark calls it from its scheduler thread, a result at a time. */
  private static final class Handler<U> extends AbstractFunction2<Object, U, BoxedUnit> {
    private final BiConsumer<Integer, U> onResult;

    Handler(BiConsumer<Integer, U> onResult) {
      this.onResult = onResult;
    }

    @Override
    public BoxedUnit apply(Object partition, U result) {
      onResult.accept((Integer) partition, result);
      return BoxedUnit.UNIT;
    }
  }

  private static final class Nothing extends AbstractFunction0<BoxedUnit> {
    @Override
    public BoxedUnit apply() {
      return BoxedUnit.UNIT;
    }
  }
}
