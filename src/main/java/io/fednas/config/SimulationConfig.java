package io.fednas.config;

import java.io.Serializable;
import java.util.List;

/**
 * Simulated device behaviour: which device profiles the clients are, dropouts, a per-client speed
 * spread, the round deadline and over-selection. {@code dropout} < 0 means each profile's own.
 */
public record SimulationConfig(
    boolean enabled,
    List<String> devices,
    double dropout,
    double speedSpread,
    double deadlineSeconds,
    double deadlineQuantile,
    double overSelection) implements Serializable {}
