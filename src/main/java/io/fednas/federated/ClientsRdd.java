package io.fednas.federated;

import java.util.Arrays;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionPruningRDD;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/** A view of the clients RDD that holds only the chosen partitions: a stage over m clients runs m tasks. */
final class ClientsRdd {
  private ClientsRdd() {}

  static JavaRDD<ClientShard> only(JavaRDD<ClientShard> clients, int[] sortedIds) {
    PartitionPruningRDD<ClientShard> pruned = PartitionPruningRDD.create(clients.rdd(), new Chosen(sortedIds));
    return new JavaRDD<>(pruned, ClassTag$.MODULE$.apply(ClientShard.class));
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
