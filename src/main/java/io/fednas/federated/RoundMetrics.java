package io.fednas.federated;

/**
 * One round, as reported: the clients sampled, aggregated and failed (dropped out, missed the
 * deadline or rejected; their ids space-separated in {@code failedClients}), the global model's
 * scores (NaN where not evaluated this round), wall times (the round, its training stage, the
 * clients' summed training, the training of the stage's slowest task, evaluation), the round's
 * simulated device time, the cumulative client cost after the round, and, in a private run, the
 * epsilon spent so far (at privacy.delta; NaN otherwise).
 */
public record RoundMetrics(
    int round,
    int clientsSampled,
    int clientsTrained,
    int clientsFailed,
    String failedClients,
    long samplesTrained,
    double trainLoss,
    double validationAccuracy,
    double validationLoss,
    double testAccuracy,
    double testLoss,
    double roundSeconds,
    double trainStageSeconds,
    double clientTrainSeconds,
    double slowestTaskTrainSeconds,
    double evalSeconds,
    double simulatedRoundSeconds,
    long cumTrainFlops,
    long cumBytesDown,
    long cumBytesUp,
    long cumClientTrainings,
    double epsilon) implements java.io.Serializable {}
