package io.fednas.fleet;

import java.io.Serializable;

/**
 * A sampled client whose update was not aggregated: it dropped out, missed the round's deadline,
 * or its update was rejected. {@code completedFraction} is the share of its local training it had
 * done (its cost is counted up to there).
 */
public record ClientFailure(int round, int client, int model, String kind, String detail, double completedFraction)
    implements Serializable {
  public static final String DROPPED = "dropped";
  public static final String MISSED_DEADLINE = "missed deadline";
  public static final String REJECTED = "rejected";
}
