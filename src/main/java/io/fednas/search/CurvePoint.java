package io.fednas.search;

import io.fednas.federated.ModelState;

/**
 * The model a point of the trade-off curve stands for (the base model, or an iteration's choice
 * after its short-term rounds), and the last round before it was taken: what the model registry
 * saves, tests and hands to devices.
 */
public record CurvePoint(int round, ModelState model) implements java.io.Serializable {}
