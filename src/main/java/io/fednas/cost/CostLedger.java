package io.fednas.cost;

/**
 * Exact client cost, per client and in total: training FLOPs (3 x forward FLOPs per sample x
 * samples x local epochs), bytes downloaded (the model) and uploaded (the update), and the
 * number of client-trainings. Float32 weights, no compression. A training that failed (the device
 * dropped out, missed the deadline, or sent a rejected update) counts as a training, with its
 * cost up to the failure, and is also counted in {@link #failures}. Scoring candidates on clients'
 * validation hold-outs is counted apart: its forward FLOPs, and the bytes of models sent only to be
 * scored. Lives on the driver.
 */
public final class CostLedger {
  private final long[] trainings;
  private final long[] failures;
  private final long[] trainFlops;
  private final long[] bytesDown;
  private final long[] bytesUp;
  private final long[] scoringFlops;
  private final long[] scoringBytes;

  public CostLedger(int clients) {
    trainings = new long[clients];
    failures = new long[clients];
    trainFlops = new long[clients];
    bytesDown = new long[clients];
    bytesUp = new long[clients];
    scoringFlops = new long[clients];
    scoringBytes = new long[clients];
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

  /**
   * One client scoring models on its validation hold-out: the forward FLOPs of the scoring and the
   * bytes of the models it downloaded for it (0 when it scored the model it was sent to train).
   */
  public void recordScoring(int client, long flops, long bytesDown) {
    scoringFlops[client] = Math.addExact(scoringFlops[client], flops);
    scoringBytes[client] += bytesDown;
  }

  public Totals totals() {
    long t = 0;
    long f = 0;
    long d = 0;
    long u = 0;
    long sf = 0;
    long sb = 0;
    for (int c = 0; c < trainings.length; c++) {
      t += trainings[c];
      f = Math.addExact(f, trainFlops[c]);
      d += bytesDown[c];
      u += bytesUp[c];
      sf = Math.addExact(sf, scoringFlops[c]);
      sb += scoringBytes[c];
    }
    return new Totals(f, d, u, t, sf, sb);
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

  public long scoringFlops(int client) {
    return scoringFlops[client];
  }

  public long scoringBytes(int client) {
    return scoringBytes[client];
  }

  public int clients() {
    return trainings.length;
  }

  /** The ledger's counts, per client, as values: what a checkpoint keeps. */
  public record Snapshot(long[] trainings, long[] failures, long[] trainFlops, long[] bytesDown, long[] bytesUp,
      long[] scoringFlops, long[] scoringBytes) {}

  public Snapshot snapshot() {
    return new Snapshot(trainings.clone(), failures.clone(), trainFlops.clone(), bytesDown.clone(), bytesUp.clone(),
        scoringFlops.clone(), scoringBytes.clone());
  }

  /** A ledger that continues from a snapshot. */
  public static CostLedger of(Snapshot s) {
    CostLedger l = new CostLedger(s.trainings().length);
    System.arraycopy(s.trainings(), 0, l.trainings, 0, l.trainings.length);
    System.arraycopy(s.failures(), 0, l.failures, 0, l.failures.length);
    System.arraycopy(s.trainFlops(), 0, l.trainFlops, 0, l.trainFlops.length);
    System.arraycopy(s.bytesDown(), 0, l.bytesDown, 0, l.bytesDown.length);
    System.arraycopy(s.bytesUp(), 0, l.bytesUp, 0, l.bytesUp.length);
    System.arraycopy(s.scoringFlops(), 0, l.scoringFlops, 0, l.scoringFlops.length);
    System.arraycopy(s.scoringBytes(), 0, l.scoringBytes, 0, l.scoringBytes.length);
    return l;
  }

  /**
   * Totals over all clients: training (FLOPs, the models down and the updates up, trainings) and
   * scoring candidates on validation hold-outs (FLOPs, and the models downloaded only to be scored).
   */
  public record Totals(long trainFlops, long bytesDown, long bytesUp, long clientTrainings, long scoringFlops,
      long scoringBytesDown) {}
}
