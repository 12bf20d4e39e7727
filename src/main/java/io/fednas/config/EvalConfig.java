package io.fednas.config;

import java.io.Serializable;

/** How often and on what the global model is evaluated. */
public record EvalConfig(int testEvery, int validationClients, int batchSize, int testPartitions)
    implements Serializable {}
