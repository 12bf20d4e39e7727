package io.fednas.checkpoint;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Decides when the run's state is saved: after every {@code everyRounds} rounds (0: never) and at
 * every change of phase. The state must be consistent whenever a save is asked for: callers ask
 * only at round, rung, iteration or phase boundaries.
 */
public final class Checkpoints {
  private final Path runDir;
  private final Supplier<RunState> state;
  private final int everyRounds;
  private final long attemptStart;
  private final double earlierWall;
  private int lastSaved;
  private int writes;
  private double writeSeconds;

  /**
   * {@code state}: the run's state now, its counts included; {@code attemptStart}: System.nanoTime()
   * when this attempt of the run began (for its wall time); {@code resumed}: the state it began from.
   */
  public Checkpoints(Path runDir, Supplier<RunState> state, int everyRounds, long attemptStart, RunState resumed) {
    this.runDir = runDir;
    this.state = state;
    this.everyRounds = everyRounds;
    this.attemptStart = attemptStart;
    this.earlierWall = resumed.earlierWallSeconds();
    this.lastSaved = resumed.lastRound();
  }

  /** After a round, a tournament rung or an iteration that ended with round {@code lastRound}. */
  public void afterRound(int lastRound) {
    if (everyRounds > 0 && lastRound - lastSaved >= everyRounds) {
      save();
    }
  }

  /** After a change of phase. */
  public void phaseChanged() {
    if (everyRounds > 0) {
      save();
    }
  }

  private void save() {
    long t0 = System.nanoTime();
    RunState s = state.get();
    CheckpointFile.write(runDir, s);
    lastSaved = s.lastRound();
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
