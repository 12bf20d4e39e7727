package io.fednas.config;

import java.io.Serializable;

/**
 * Client-level differential privacy (DP-FedAvg): each update clipped to {@code clipNorm}; with
 * {@code noiseMultiplier} > 0, Poisson client sampling and Gaussian noise of standard deviation
 * noiseMultiplier x clipNorm on each round's sum, accounted at {@code delta}; a run stops before a
 * round that would take epsilon past {@code targetEpsilon} (0: no target).
 */
public record PrivacyConfig(double clipNorm, double noiseMultiplier, double delta, double targetEpsilon)
    implements Serializable {
  /** Whether the run adds noise (and samples clients by Poisson sampling). */
  public boolean noisy() {
    return noiseMultiplier > 0;
  }
}
