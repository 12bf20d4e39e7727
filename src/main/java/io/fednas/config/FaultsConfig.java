package io.fednas.config;

import java.io.Serializable;

/** Which client updates are rejected ({@code maxUpdateNorm} 0 = no bound), and how many failed rounds in a row stop the job. */
public record FaultsConfig(double maxUpdateNorm, int maxFailedRounds) implements Serializable {}
