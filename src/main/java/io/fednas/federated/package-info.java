/**
 * The round engine on Spark: clients as RDD partitions, client training with DL4J inside the
 * tasks, exact (order-independent) FedAvg aggregation on the executors, federated validation and
 * test evaluation, and seeded client sampling.
 */
package io.fednas.federated;
