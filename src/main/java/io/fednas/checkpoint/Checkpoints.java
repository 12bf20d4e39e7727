package io.fednas.checkpoint;

import io.fednas.federated.RoundRunner;
import io.fednas.search.SearchLoop;
import java.nio.file.Path;

/**
 * Decides when the run's state is saved: after every {@code everyRounds} rounds (0: never) and at
 * every change of phase. The state must be consistent whenever a save is asked for: callers ask
 * only at round, rung, iteration or phase boundaries.
 */
public final class Checkpoints {
  private final Path runDir;
  private final RunState state;
  private final int everyRounds;
  private final long attemptStart;
  private final double earlierWall;
  private RoundRunner rounds;
  private int lastSaved;
  private int writes;
  private double writeSeconds;

  /** {@code attemptStart}: System.nanoTime() when this attempt of the run began (for its wall time). */
  public Checkpoints(Path runDir, RunState state, int everyRounds, long attemptStart) {
    this.runDir = runDir;
    this.state = state;
    this.everyRounds = everyRounds;
    this.attemptStart = attemptStart;
    this.earlierWall = state.earlierWallSeconds;
    this.lastSaved = state.lastRound;
  }

  /** The round runner whose failures and failed-round streak are part of the state. */
  public void track(RoundRunner r) {
    this.rounds = r;
  }

  /** After a FedAvg round ({@link RunState#lastRound} set). */
  public void afterRound() {
    if (everyRounds > 0 && state.lastRound - lastSaved >= everyRounds) {
      save();
    }
  }

  /** After a search round, rung or iteration ({@code s} is {@link RunState#search}). */
  public void afterSearchStep(SearchLoop.State s) {
    state.lastRound = s.round();
    afterRound();
  }

  /** Moves the run to its next phase, and saves (the state then also holds the runner's failures). */
  public void enter(RunState.Phase phase) {
    state.phase = phase;
    if (everyRounds > 0) {
      save();
    } else if (rounds != null) {
      state.rounds = rounds.state();
    }
  }

  private void save() {
    if (rounds != null) {
      state.rounds = rounds.state();
    }
    long t0 = System.nanoTime();
    state.earlierWallSeconds = wallSeconds();
    CheckpointFile.write(runDir, state);
    lastSaved = state.lastRound;
    writes++;
    writeSeconds += (System.nanoTime() - t0) / 1e9;
  }

  /** The run's wall time so far: earlier attempts (up to their last checkpoint) and this one. */
  public double wallSeconds() {
    return earlierWall + (System.nanoTime() - attemptStart) / 1e9;
  }

  /** Checkpoints written by this attempt of the run. */
  public int writes() {
    return writes;
  }

  /** Wall time this attempt spent writing checkpoints (their share of the rounds' overhead). */
  public double writeSeconds() {
    return writeSeconds;
  }
}
