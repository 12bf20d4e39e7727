package io.fednas.federated;

import java.io.Serializable;

/** What a client does in one round besides the model: local SGD settings and the seeds' root. */
public record TrainingPlan(int localEpochs, int batchSize, double learningRate, double momentum, long seed)
    implements Serializable {}
