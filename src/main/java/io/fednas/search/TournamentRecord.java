package io.fednas.search;

/**
 * One candidate's score at one tournament decision point (after {@code roundsDone} short-term
 * rounds of an iteration), and what became of it there: kept, dropped, or chosen at the end.
 */
public record TournamentRecord(int iteration, int roundsDone, int candidate, int layer, int width,
    double validationAccuracy, String outcome) implements java.io.Serializable {
  public static final String KEPT = "kept";
  public static final String DROPPED = "dropped";
  public static final String CHOSEN = "chosen";
  public static final String NOT_CHOSEN = "not chosen";
}
