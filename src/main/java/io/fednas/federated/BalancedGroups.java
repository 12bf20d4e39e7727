package io.fednas.federated;

import java.util.Comparator;
import java.util.stream.IntStream;
import org.apache.spark.Partition;
import org.apache.spark.rdd.PartitionCoalescer;
import org.apache.spark.rdd.PartitionGroup;
import org.apache.spark.rdd.RDD;
import scala.Option;

/**
 * Packs a stage's client partitions into a fixed number of tasks of nearly equal work: heaviest
 * client first, each onto the task with the least work so far (LPT; ties go to the task with fewer
 * clients, then the lower index). Spark's own coalescer balances partition counts, not samples, and
 * non-IID clients differ in size by 10x or more.
 */
final class BalancedGroups implements PartitionCoalescer, scala.Serializable { // CoalescedRDD asks for Scala's marker
  private final long[] work; // by partition index of the parent RDD

  BalancedGroups(long[] work) {
    this.work = work.clone();
  }

  @Override
  public PartitionGroup[] coalesce(int maxPartitions, RDD<?> parent) {
    Partition[] parts = parent.partitions();
    if (parts.length != work.length) {
      throw new IllegalStateException("work given for " + work.length + " partitions, the RDD has " + parts.length);
    }
    int tasks = Math.max(1, Math.min(maxPartitions, parts.length));
    PartitionGroup[] groups = new PartitionGroup[tasks];
    long[] load = new long[tasks];
    int[] count = new int[tasks];
    for (int g = 0; g < tasks; g++) {
      groups[g] = new PartitionGroup(Option.empty());
    }
    for (int p : heaviestFirst()) {
      int g = 0;
      for (int h = 1; h < tasks; h++) {
        if (load[h] < load[g] || (load[h] == load[g] && count[h] < count[g])) {
          g = h;
        }
      }
      groups[g].partitions().$plus$eq(parts[p]);
      load[g] += work[p];
      count[g]++;
    }
    return groups;
  }

  private int[] heaviestFirst() {
    return IntStream.range(0, work.length).boxed()
        .sorted(Comparator.<Integer>comparingLong(p -> -work[p]).thenComparingInt(p -> p))
        .mapToInt(Integer::intValue).toArray();
  }
}
