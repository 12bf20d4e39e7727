package io.fednas.federated;

import io.fednas.model.Architecture;
import java.io.Serializable;

/** What a client does in one round: the architecture, local SGD settings, and the seeds' root. */
public record TrainingPlan(Architecture arch, int localEpochs, int batchSize, double learningRate,
    double momentum, long seed) implements Serializable {}
