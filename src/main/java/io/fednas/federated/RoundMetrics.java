package io.fednas.federated;

/**
 * One round, as reported: the clients trained, the global model's scores (NaN where not
 * evaluated this round), wall times, and the cumulative client cost after the round.
 */
public record RoundMetrics(
    int round,
    int clientsTrained,
    long samplesTrained,
    double trainLoss,
    double validationAccuracy,
    double validationLoss,
    double testAccuracy,
    double testLoss,
    double roundSeconds,
    double trainStageSeconds,
    double clientTrainSeconds,
    double evalSeconds,
    long cumTrainFlops,
    long cumBytesDown,
    long cumBytesUp,
    long cumClientTrainings) {}
