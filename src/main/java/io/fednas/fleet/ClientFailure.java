package io.fednas.fleet;

import java.io.Serializable;

/**
 * A sampled client whose update was not aggregated: it dropped out, missed the round's deadline,
 * or its update was rejected. {@code completedFraction} is the share of its local training it had
 * done (its cost is counted up to there).
 */
public record ClientFailure(int round, int client, int model, Kind kind, String detail, double completedFraction)
    implements Serializable {
  /** Why a client's update was not aggregated. */
  public enum Kind {
    DROPPED("dropped"), MISSED_DEADLINE("missed deadline"), REJECTED("rejected");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** As failures.csv and the console write it. */
    public String label() {
      return label;
    }
  }
}
