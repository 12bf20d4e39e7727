package io.fednas.model;

/** One layer's output shape, parameter count and forward FLOPs for a single sample. */
public record LayerCost(String layer, int outChannels, int outHeight, int outWidth, long params, long forwardFlops) {}
