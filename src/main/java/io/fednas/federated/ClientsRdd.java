package io.fednas.federated;

import java.util.Arrays;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.rdd.RDD;
import scala.Option;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Views of the clients RDD that hold only the chosen partitions: a stage over m clients runs m tasks,
 * or fewer tasks of several clients each.
 */
final class ClientsRdd {
  private ClientsRdd() {}

  static JavaRDD<ClientShard> only(JavaRDD<ClientShard> clients, int[] sortedIds) {
    PartitionPruningRDD<ClientShard> pruned = PartitionPruningRDD.create(clients.rdd(), new Chosen(sortedIds));
    return new JavaRDD<>(pruned, ClassTag$.MODULE$.apply(ClientShard.class));
  }

  /**
   * The chosen clients in at most {@code tasks} tasks of balanced work ({@code work[i]} is client
   * {@code sortedIds[i]}'s). No shuffle: a task reads its clients' cached partitions, from other
   * executors if need be.
   */
  static JavaRDD<ClientShard> grouped(JavaRDD<ClientShard> clients, int[] sortedIds, long[] work, int tasks) {
    JavaRDD<ClientShard> chosen = only(clients, sortedIds);
    if (tasks >= sortedIds.length) {
      return chosen;
    }
    RDD<ClientShard> packed = chosen.rdd().coalesce(tasks, false, Option.apply(new BalancedGroups(work)), null);
    return new JavaRDD<>(packed, ClassTag$.MODULE$.apply(ClientShard.class));
  }

  /** Partition index -> chosen? (partition i holds client i). */
  private static final class Chosen extends AbstractFunction1<Object, Object> implements java.io.Serializable {
    private final int[] sortedIds;

    Chosen(int[] sortedIds) {
      this.sortedIds = sortedIds;
    }

    @Override
    public Object apply(Object partition) {
      return Arrays.binarySearch(sortedIds, (Integer) partition) >= 0;
    }
  }
}
