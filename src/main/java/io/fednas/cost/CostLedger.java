package io.fednas.cost;

/**
 * Exact client cost, per client and in total: training FLOPs (3 x forward FLOPs per sample x
 * samples x local epochs), bytes downloaded (the model) and uploaded (the update), and the
 * number of client-trainings. Float32 weights, no compression. A training that failed (the device
 * dropped out, missed the deadline, or sent a rejected update) counts as a training, with its
 * cost up to the failure, and is also counted in {@link #failures}. Lives on the driver.
 */
public final class CostLedger {
  private final long[] trainings;
  private final long[] failures;
  private final long[] trainFlops;
  private final long[] bytesDown;
  private final long[] bytesUp;

  public CostLedger(int clients) {
    trainings = new long[clients];
    failures = new long[clients];
    trainFlops = new long[clients];
    bytesDown = new long[clients];
    bytesUp = new long[clients];
  }

  /** Training backward costs about twice the forward pass, hence 3 x forward. */
  public static long trainFlops(long forwardFlopsPerSample, long samples, int epochs) {
    return Math.multiplyExact(Math.multiplyExact(3L * forwardFlopsPerSample, samples), epochs);
  }

  /** One client-training with the cost it actually had; {@code failed}: its update was not aggregated. */
  public void record(int client, long flops, long down, long up, boolean failed) {
    trainings[client]++;
    failures[client] += failed ? 1 : 0;
    trainFlops[client] = Math.addExact(trainFlops[client], flops);
    bytesDown[client] += down;
    bytesUp[client] += up;
  }

  public Totals totals() {
    long t = 0;
    long f = 0;
    long d = 0;
    long u = 0;
    for (int c = 0; c < trainings.length; c++) {
      t += trainings[c];
      f = Math.addExact(f, trainFlops[c]);
      d += bytesDown[c];
      u += bytesUp[c];
    }
    return new Totals(f, d, u, t);
  }

  public long trainings(int client) {
    return trainings[client];
  }

  public long failures(int client) {
    return failures[client];
  }

  public long trainFlops(int client) {
    return trainFlops[client];
  }

  public long bytesDown(int client) {
    return bytesDown[client];
  }

  public long bytesUp(int client) {
    return bytesUp[client];
  }

  public int clients() {
    return trainings.length;
  }

  /** The ledger's counts, per client, as values: what a checkpoint keeps. */
  public record Snapshot(long[] trainings, long[] failures, long[] trainFlops, long[] bytesDown, long[] bytesUp) {}

  public Snapshot snapshot() {
    return new Snapshot(trainings.clone(), failures.clone(), trainFlops.clone(), bytesDown.clone(), bytesUp.clone());
  }

  /** A ledger that continues from a snapshot. */
  public static CostLedger of(Snapshot s) {
    CostLedger l = new CostLedger(s.trainings().length);
    System.arraycopy(s.trainings(), 0, l.trainings, 0, l.trainings.length);
    System.arraycopy(s.failures(), 0, l.failures, 0, l.failures.length);
    System.arraycopy(s.trainFlops(), 0, l.trainFlops, 0, l.trainFlops.length);
    System.arraycopy(s.bytesDown(), 0, l.bytesDown, 0, l.bytesDown.length);
    System.arraycopy(s.bytesUp(), 0, l.bytesUp, 0, l.bytesUp.length);
    return l;
  }

  /** Totals over all clients. */
  public record Totals(long trainFlops, long bytesDown, long bytesUp, long clientTrainings) {}
}
