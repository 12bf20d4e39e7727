package io.fednas.config;

import java.io.Serializable;

/** FedAvg's knobs: N clients, m per round, rounds, local epochs E, minibatch B, local SGD. */
public record FederatedConfig(
    int clients,
    int clientsPerRound,
    int rounds,
    int localEpochs,
    int batchSize,
    double learningRate,
    double momentum,
    double targetAccuracy) implements Serializable {}
