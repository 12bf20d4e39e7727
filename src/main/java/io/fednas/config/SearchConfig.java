package io.fednas.config;

import java.io.Serializable;
import java.util.List;

/** The NetAdapt search and FedNAS's three switches (all off: the straightforward baseline). */
public record SearchConfig(
    Metric metric,
    String device,
    String devicesDir,
    double budgetRatio,
    double budgetAbsolute,
    double initialReduction,
    double decay,
    int maxIterations,
    int minWidth,
    List<Integer> layers,
    Selection selection,
    Scoring scoring,
    String baseModel,
    int baseRounds,
    int longTermRounds,
    LongTermSchedule longTermSchedule,
    int shortTermRounds,
    double shortTermLearningRate,
    boolean parallelCandidates,
    boolean tournament,
    boolean dynamicRounds,
    int rungRounds,
    double dropFraction,
    double protectMargin,
    int minRounds,
    int maxRounds,
    double closeMargin,
    double costlyDrop,
    int fineTuneEach,
    PredictorConfig predictor) implements Serializable {}
