package io.fednas.search;

/** Where the search reports what it does: free-form lines, each short-term round, and its remaining plan. */
public interface SearchProgress {
  void line(String s);

  /** One short-term round done: {@code what} says which candidates trained. */
  void shortTermRound(int round, int iteration, String what, double seconds);

  /** The search's current estimate of the rounds still to run (short-term and long-term). */
  void roundsLeft(int rounds);
}
