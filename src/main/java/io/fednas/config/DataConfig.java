package io.fednas.config;

import java.io.Serializable;

/** Which dataset, where it lives, and how it is split among clients. */
public record DataConfig(
    String name,
    String dir,
    int maxTrainSamples,
    int maxTestSamples,
    String partition,
    double dirichletAlpha,
    int shardsPerClient,
    int minClientSamples,
    double validationFraction) implements Serializable {}
