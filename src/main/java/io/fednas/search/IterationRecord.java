package io.fednas.search;

import java.util.List;

/**
 * One NetAdapt iteration as reported: the target, the candidates and their fate, the chosen model,
 * the short-term rounds with the schedule's reason, and the cumulative client cost afterwards.
 * Iteration 0 is the base model.
 *
 * @param pruned the candidates the accuracy predictor kept from training
 * @param predictorRankCorrelation Spearman's rho between the predictor's predictions and the scores the
 *     trained candidates got at the iteration's first decision; NaN without predictions for three of them
 */
public record IterationRecord(
    int iteration,
    double target,
    int candidates,
    List<Integer> dropped,
    List<Integer> pruned,
    int chosenLayer,
    int chosenWidth,
    String architecture,
    double resource,
    long params,
    long flops,
    double validationAccuracy,
    int shortTermRounds,
    String roundsReason,
    long cumTrainFlops,
    long cumBytes,
    long cumClientTrainings,
    double cumDeviceSeconds,
    long cumScoringFlops,
    long cumScoringBytes,
    double predictorRankCorrelation) implements java.io.Serializable {}
